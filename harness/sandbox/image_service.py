"""The sandbox's image service: a glance-like catalogue of a few images, read over HTTP.

Real nova-api reads it too, through glanceclient, which first fetches the image schema."""

import hashlib

from harness.sandbox.http_service import HttpError, JsonService, Reply, Request

DEFAULT_IMAGES = {
    "cirros-0.6.2": {"disk_format": "qcow2", "min_disk": 1, "min_ram": 64, "size": 21430272},
    "debian-12": {"disk_format": "qcow2", "min_disk": 2, "min_ram": 256, "size": 352321536},
}


def image_id(name: str) -> str:
    """A stable uuid-shaped id for an image name."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


class ImageService(JsonService):
    """GET /v2/images and /v2/images/<id>, as glance answers them."""

    name = "image"

    def __init__(self) -> None:
        super().__init__()
        self.images = {
            image_id(name): {"id": image_id(name), "name": name, "status": "active",
                             "container_format": "bare", "visibility": "public", **facts}
            for name, facts in DEFAULT_IMAGES.items()
        }
        self.route("GET", r"/v2/images", self._list)
        self.route("GET", r"/v2/images/(?P<id>[0-9a-f-]+)", self._show)
        self.route("GET", r"/v2/schemas/image", self._schema)

    def _list(self, _request: Request) -> Reply:
        return 200, {"images": list(self.images.values())}

    def _schema(self, _request: Request) -> Reply:
        """A permissive schema: glanceclient builds its image model from it."""
        return 200, {"name": "image", "additionalProperties": True, "links": [],
                     "properties": {"id": {"type": "string"}, "name": {"type": ["null", "string"]},
                                    "status": {"type": "string"}}}

    def _show(self, request: Request) -> Reply:
        image = self.images.get(request.match["id"])
        if image is None:
            raise HttpError(404, f"image {request.match['id']} not found")
        return 200, image
