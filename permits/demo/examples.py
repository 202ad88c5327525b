"""The demo permits for `seed_demo`: about twenty applications of the demo residents, the
stage each is taken to, and the case status each stage ends in.
"""

from __future__ import annotations

import dataclasses

from permits import workflow as wf

# The stages a demo permit is taken to.
IN_REVIEW = "in_review"
CORRECTIONS = "corrections_required"
FEE_DUE = "approved"  # plans approved, the permit fee invoiced and not paid yet
ISSUED = "issued"
BOOKED = "booked"  # issued, its first inspection booked in the coming days
PASSED = "passed"  # inspections under way: the first passed
FAILED = "failed"  # inspections under way: the first failed
FINALED = "finaled"
WITHDRAWN = "withdrawn"
CANCELLED = "cancelled"

# The case status each stage ends in.
STATUS = {
    IN_REVIEW: wf.IN_REVIEW,
    CORRECTIONS: wf.CORRECTIONS_REQUIRED,
    FEE_DUE: wf.APPROVED,
    ISSUED: wf.ISSUED,
    BOOKED: wf.INSPECTIONS,
    PASSED: wf.INSPECTIONS,
    FAILED: wf.INSPECTIONS,
    FINALED: wf.FINALED,
    WITHDRAWN: wf.WITHDRAWN,
    CANCELLED: wf.CANCELLED,
}


@dataclasses.dataclass(frozen=True)
class DemoPermit:
    type_code: str
    address: str
    parcel: str
    work: str
    valuation: int  # dollars
    stage: str
    days_ago: int  # when the application was sent
    spanish: bool = False  # María García's (else Jordan Lee's)
    square_feet: int | None = None
    housing_units: int = 0
    owner_builder: bool = False


MAPLE = "1420 Maple Avenue, Springfield, IL 62704"
WALNUT = "88 Walnut Street, Springfield, IL 62704"
BIRCH = "17 Birch Court, Springfield, IL 62702"
LINCOLN = "2301 Lincoln Avenue, Springfield, IL 62702"
ADAMS = "410 East Adams Street, Springfield, IL 62701"
MONROE = "615 West Monroe Street, Springfield, IL 62701"
COOK = "902 South Cook Street, Springfield, IL 62703"
PINE = "1208 Pine Street, Springfield, IL 62703"
LAUREL = "2715 Laurel Drive, Springfield, IL 62707"

PERMITS = [
    DemoPermit(
        "new-home",
        MAPLE,
        "14-32-101-004",
        "A two-story, three-bedroom house with an attached two-car garage on a vacant lot.",
        385_000,
        IN_REVIEW,
        5,
        square_feet=2_150,
        housing_units=1,
    ),
    DemoPermit(
        "residential-addition",
        WALNUT,
        "14-28-310-017",
        "A 14 by 16 ft family room at the back of the house, with a new door to the patio.",
        85_000,
        CORRECTIONS,
        16,
        square_feet=224,
    ),
    DemoPermit(
        "reroof",
        WALNUT,
        "14-28-310-017",
        "Tear off two layers of asphalt shingles and put on architectural shingles.",
        14_500,
        BOOKED,
        24,
        square_feet=1_850,
    ),
    DemoPermit(
        "electrical",
        WALNUT,
        "14-28-310-017",
        "Upgrade the service panel from 100 to 200 amps and add an EV charger in the garage.",
        6_200,
        FEE_DUE,
        12,
    ),
    DemoPermit(
        "fence",
        BIRCH,
        "14-21-205-009",
        "A 6 ft cedar privacy fence along the back and side lot lines.",
        4_800,
        FINALED,
        55,
        owner_builder=True,
    ),
    DemoPermit(
        "mechanical",
        BIRCH,
        "14-21-205-009",
        "Replace the furnace and the air conditioner with a heat pump and new ductwork.",
        13_900,
        FAILED,
        28,
    ),
    DemoPermit(
        "plumbing",
        BIRCH,
        "14-21-205-009",
        "Move the kitchen sink to the island and replace the water heater.",
        3_500,
        WITHDRAWN,
        33,
    ),
    DemoPermit(
        "electrical",
        MAPLE,
        "14-32-101-004",
        "Temporary power pole for the construction of the new house.",
        1_200,
        FINALED,
        40,
    ),
    DemoPermit(
        "reroof",
        PINE,
        "14-33-402-021",
        "Replace the roof of the detached garage after hail damage.",
        6_800,
        FINALED,
        45,
        square_feet=480,
    ),
    DemoPermit(
        "new-home",
        LINCOLN,
        "14-20-118-030",
        "Una casa de una planta con tres dormitorios y garaje para dos autos.",
        310_000,
        FINALED,
        95,
        spanish=True,
        square_feet=1_750,
        housing_units=1,
    ),
    DemoPermit(
        "pool",
        LINCOLN,
        "14-20-118-030",
        "Una piscina enterrada de 16 por 32 pies con su cerca de seguridad.",
        48_000,
        IN_REVIEW,
        3,
        spanish=True,
    ),
    DemoPermit(
        "plumbing",
        LINCOLN,
        "14-20-118-030",
        "Tuberías de agua y desagüe para un segundo baño.",
        7_500,
        PASSED,
        30,
        spanish=True,
    ),
    DemoPermit(
        "commercial-alteration",
        ADAMS,
        "14-34-226-002",
        "Convert a former shoe store into a bakery and café with seating for 30.",
        160_000,
        FINALED,
        70,
        spanish=True,
        square_feet=1_900,
    ),
    DemoPermit(
        "commercial-alteration",
        MONROE,
        "14-34-151-011",
        "New walls, exits and finishes for a dental office on the second floor.",
        95_000,
        CORRECTIONS,
        11,
        spanish=True,
        square_feet=2_400,
    ),
    DemoPermit(
        "sign",
        MONROE,
        "14-34-151-011",
        "An illuminated wall sign, 3 by 12 ft, over the street entrance.",
        5_600,
        ISSUED,
        18,
        spanish=True,
    ),
    DemoPermit(
        "demolition",
        COOK,
        "14-33-109-006",
        "Tear down a fire-damaged detached garage and remove the slab.",
        9_000,
        CANCELLED,
        38,
        spanish=True,
    ),
    DemoPermit(
        "demolition",
        PINE,
        "14-33-402-021",
        "Take down a collapsed shed and its concrete footings.",
        3_000,
        IN_REVIEW,
        2,
    ),
    DemoPermit(
        "residential-addition",
        LAUREL,
        "14-17-330-008",
        "Un dormitorio y un baño nuevos sobre el garaje.",
        120_000,
        FAILED,
        50,
        spanish=True,
        square_feet=420,
    ),
    DemoPermit(
        "mechanical",
        LAUREL,
        "14-17-330-008",
        "Un sistema de aire acondicionado sin ductos en el dormitorio nuevo.",
        7_900,
        ISSUED,
        20,
        spanish=True,
    ),
    DemoPermit(
        "fence",
        LAUREL,
        "14-17-330-008",
        "A 4 ft picket fence in the front yard.",
        2_100,
        CORRECTIONS,
        9,
        owner_builder=True,
    ),
]

# What each failed inspection found, and why the demolition was cancelled.
DEFICIENCIES = "Flashing missing where the new work meets the existing wall; fix and call again."
CANCEL_REASON = "The garage was taken down by the insurer's contractor under an emergency order."
WITHDRAW_REASON = "We decided to keep the kitchen as it is."
