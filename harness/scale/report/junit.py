"""JUnit XML: one test case per SLA per ramp step, so CI shows each natively."""

import xml.etree.ElementTree as ET

from harness.scale.report.model import ScaleReport


def render_junit(report: ScaleReport) -> str:
    """A test suite named after the scenario; a missed SLA is a failure, an unmeasured one
    skipped, and an interrupted ramp a failing case of its own."""
    result = report.result
    suite = ET.Element("testsuite", name=f"scale.{result.scenario.name}")
    failures = skipped = 0
    for verdict in report.verdicts:
        case = ET.SubElement(suite, "testcase", classname=f"scale.{result.scenario.name}",
                             name=verdict.name)
        if verdict.passed is False:
            failures += 1
            ET.SubElement(case, "failure", message=verdict.describe(),
                          type="sla").text = verdict.describe()
        elif verdict.passed is None:
            skipped += 1
            ET.SubElement(case, "skipped", message="not measured on this cloud")
    if len(result.steps) < len(result.scenario.ramp) or result.interrupted:
        case = ET.SubElement(suite, "testcase", classname=f"scale.{result.scenario.name}",
                             name="ramp completed")
        failures += 1
        ET.SubElement(case, "failure", message=f"{len(result.steps)} of "
                      f"{len(result.scenario.ramp)} ramp steps ran", type="ramp")
    suite.set("tests", str(len(suite)))
    suite.set("failures", str(failures))
    suite.set("skipped", str(skipped))
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"
