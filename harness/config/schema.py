"""The clouds.yaml schema: every key typed, unknown keys refused, no secret written inline."""

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from harness.bus.versions import check_version

SECRET_HINT = "store it in Vault and reference it as {vault: 'MOUNT/PATH#KEY'}"


class Strict(BaseModel):
    """Base of every config section: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _url_checker(*schemes: str) -> AfterValidator:
    """Validate a URL's scheme and host, and refuse a password embedded in it."""

    def check(value: str) -> str:
        parts = urlsplit(value)
        scheme = parts.scheme.split("+")[0]
        if scheme not in schemes:
            raise ValueError(f"scheme must be one of {', '.join(schemes)}, got {value!r}")
        if scheme != "sqlite" and not parts.hostname:
            raise ValueError(f"malformed URL {value!r}: no host")
        try:
            parts.port  # noqa: B018 - parsing the port raises on garbage
        except ValueError as error:
            raise ValueError(f"malformed URL {value!r}: {error}") from None
        if parts.password:
            raise ValueError(f"embeds a password; {SECRET_HINT}")
        return value

    return AfterValidator(check)


AmqpUrl = Annotated[str, _url_checker("amqp", "amqps")]
HttpUrl = Annotated[str, _url_checker("http", "https")]
DatabaseUrl = Annotated[str, _url_checker("mysql", "mariadb", "postgresql", "sqlite")]


RpcVersion = Annotated[str, AfterValidator(check_version)]


class SecretRef(Strict):
    """Where a secret lives; the value itself is never written in clouds.yaml."""

    vault: str | None = Field(None, description="KV v2 path and key: 'MOUNT/PATH#KEY'")
    file: str | None = Field(None, description="a file readable only by its owner")
    env: str | None = Field(None, description="an environment variable's name")

    @model_validator(mode="after")
    def exactly_one(self) -> "SecretRef":
        chosen = [k for k in ("vault", "file", "env") if getattr(self, k)]
        if len(chosen) != 1:
            raise ValueError("a secret reference names exactly one of vault, file, env")
        if self.vault and "#" not in self.vault:
            raise ValueError("a vault reference is 'MOUNT/PATH#KEY'")
        return self


class Bus(Strict):
    """The RabbitMQ the cloud's services talk over."""

    url: AmqpUrl
    password: SecretRef | None = None
    control_exchange: str = "nova"
    durable_queues: bool = Field(False, description="oslo.messaging's amqp_durable_queues")
    management_url: HttpUrl | None = None


class TokenAuth(Strict):
    """Vault token auth: the token is read from a file or the environment, never from here."""

    method: Literal["token"]
    token_file: str | None = None
    token_env: str = "VAULT_TOKEN"


class AppRoleAuth(Strict):
    """Vault AppRole auth: role_id is public; secret_id comes from a file or a wrapping token."""

    method: Literal["approle"]
    role_id: str
    mount: str = "approle"
    secret_id_file: str | None = None
    wrapped_secret_id_file: str | None = None


class Vault(Strict):
    """The Vault (or OpenBao) that issues every credential."""

    address: HttpUrl
    auth: TokenAuth | AppRoleAuth = Field(discriminator="method")
    kv_mount: str = "secret"
    lease_ttl: int = Field(300, gt=0, description="default TTL of issued credentials, seconds")
    max_lease_ttl: int = Field(3600, gt=0, description="longest TTL, seconds")


class Database(Strict):
    """The database the cloud's control plane keeps state in."""

    url: DatabaseUrl
    password: SecretRef | None = None


class Cloud(Strict):
    """One target cloud: everything needed to reach it, and no secret."""

    name: str = ""
    bus: Bus
    vault: Vault | None = None
    database: Database | None = None
    endpoints: dict[str, HttpUrl] = Field(default_factory=dict)
    rpc_version_caps: dict[str, RpcVersion] = Field(default_factory=dict)
    access_logs: dict[str, str] = Field(
        default_factory=dict,
        description="service name to the access log it writes (harness.nova.wsgi's format), "
                    "which a shadow session reads for the shadowed host's requests")


class CloudsFile(Strict):
    """The whole clouds.yaml."""

    clouds: dict[str, Cloud]
