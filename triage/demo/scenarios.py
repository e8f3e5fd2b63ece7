"""The letters the demo is made of: synthetic, but written the way specialists write them.

They cover every category and the edge cases a GP must see (docs/domain.md §3, §4): children,
supply about to run out, red flags in the letter, mixed and unclassifiable requests, the
equality-sensitive categories, invalid NHS numbers, requests made only of codes, and the drugs
that mean different things in different hands (HRT, testosterone, GnRH analogues).
Every patient, clinician and provider here is invented.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scenario:
    organisation: str
    requester: str
    text: str
    provider_type: str = "nhs"
    request_type: str = "new"
    medications: str = ""
    diagnosis: str = ""
    codes: str = ""
    category: str = ""  # as the sender declared it, if at all
    urgency: str = "routine"
    ages: tuple[int, int] = (25, 70)
    supply_in_days: int | None = None  # supply_ends, relative to the demo's "today"
    procedure_months_ago: int | None = None
    invalid_nhs_number: bool = False
    # What the letter is for: the category it should be classified as ("unclassified" or
    # "mixed" when none or several), and the edge cases a GP must see it for.
    expected: str = "unclassified"
    edge_cases: tuple[str, ...] = ()


ADHD_SERVICE = "Wessex Adult ADHD Service"
RTC_ADHD = "ClearMind ADHD Clinic (Right to Choose)"
GIC = "South West Gender Identity Clinic"
HAEM = "Haematology, Dorset County Hospital"
BARIATRIC = "Bariatric Surgery Service, Poole Hospital"
EATING = "Dorset Adult Eating Disorder Service"
RHEUM = "Rheumatology, Dorset County Hospital"
BONE = "Fracture Liaison Service"
UROLOGY = "Urology, Dorset County Hospital"
ANTICOAG = "Anticoagulation Clinic"
CMHT = "Weymouth Community Mental Health Team"

SCENARIOS: tuple[Scenario, ...] = (
    # --- ADHD ---------------------------------------------------------------------------------
    Scenario(
        ADHD_SERVICE,
        "Dr R Okafor, Consultant Psychiatrist",
        "Diagnosed with ADHD (combined type) in March. Titration is complete and the patient is "
        "stable on Concerta XL 36mg each morning; BP 122/78, pulse 74, weight stable. We would be "
        "grateful if you would take over prescribing under our shared care agreement, with annual "
        "review by this service.",
        medications="Concerta XL 36mg",
        diagnosis="Attention deficit hyperactivity disorder",
        expected="adhd",
    ),
    Scenario(
        RTC_ADHD,
        "Dr M Hughes, Consultant Psychiatrist",
        "Assessment and titration completed under Right to Choose. Stable on Elvanse Adult 50mg "
        "once daily. Please accept shared care for ongoing prescribing; BP and pulse to be "
        "monitored six-monthly.",
        provider_type="right_to_choose",
        medications="lisdexamfetamine 50mg",
        diagnosis="ADHD",
        expected="adhd",
    ),
    Scenario(
        "Harley ADHD Partners (private)",
        "Dr A Kaur, Consultant Psychiatrist",
        "Private assessment confirmed adult ADHD. Started dexamfetamine (Amfexa) 10mg twice daily. "
        "The patient has asked that you continue prescribing on the NHS.",
        provider_type="private",
        medications="Amfexa 10mg",
        diagnosis="Adult ADHD",
        expected="adhd",
    ),
    Scenario(
        "Child and Adolescent Mental Health Service",
        "Dr P Singh, Consultant Child Psychiatrist",
        "This 11-year-old has ADHD and is now settled on Medikinet XL 10mg. School reports "
        "improvement. Please take over prescribing; height, weight and BP centiles to be checked "
        "at each review.",
        medications="Medikinet XL 10mg",
        diagnosis="ADHD",
        ages=(9, 13),
        expected="adhd",
        edge_cases=("under_18",),
    ),
    Scenario(
        ADHD_SERVICE,
        "Dr R Okafor, Consultant Psychiatrist",
        "This patient has been on Elvanse 40mg for two years under our care. Our prescribing "
        "clinic is closing and their current supply runs out at the end of next week. Please "
        "continue prescribing so there is no break in treatment.",
        request_type="continuation",
        medications="Elvanse 40mg",
        diagnosis="ADHD",
        supply_in_days=6,
        expected="adhd",
        edge_cases=("supply_risk",),
    ),
    Scenario(
        "Registration notes (previous practice)",
        "Dr H Moore, GP, Lanehouse Surgery",
        "Newly registered with you. The previous practice prescribed guanfacine (Intuniv) 3mg "
        "daily under a shared care agreement with the adult ADHD service; a copy is attached.",
        request_type="transfer_in",
        medications="Intuniv 3mg",
        diagnosis="ADHD",
        expected="adhd",
    ),
    Scenario(
        ADHD_SERVICE,
        "Dr R Okafor, Consultant Psychiatrist",
        "Please see the attached shared care agreement and start prescribing as detailed.",
        medications="",
        codes="406506008;42013411000001102",
        expected="adhd",
    ),
    Scenario(
        ADHD_SERVICE,
        "Dr R Okafor, Consultant Psychiatrist",
        "Stable on atomoxetine 80mg. Please take on prescribing under shared care.",
        medications="atomoxetine 80mg",
        diagnosis="ADHD",
        invalid_nhs_number=True,
        expected="adhd",
        edge_cases=("invalid_nhs_number",),
    ),
    # --- Gender dysphoria -----------------------------------------------------------------------
    Scenario(
        GIC,
        "Dr J Ellis, Consultant in Gender Medicine",
        "Seen in the gender identity clinic for gender dysphoria. Feminising hormone therapy "
        "started: Oestrogel 0.06% three pumps daily. Please prescribe and monitor oestradiol "
        "levels and LFTs six-monthly under shared care.",
        medications="estradiol gel 0.06%",
        diagnosis="Gender dysphoria",
        expected="gender_dysphoria",
    ),
    Scenario(
        "GenderPath Online Clinic Ltd",
        "Dr S Byrne, Endocrinologist",
        "Our patient, who is transgender, has started masculinising hormones with Testogel 50mg "
        "daily. We ask that you take over prescribing and the monitoring bloods.",
        provider_type="private",
        medications="Testogel 50mg",
        diagnosis="Gender incongruence",
        expected="gender_dysphoria",
    ),
    Scenario(
        "GenderPath Online Clinic Ltd",
        "Dr S Byrne, Endocrinologist",
        "Our 16-year-old patient with gender incongruence has started triptorelin (Decapeptyl SR) "
        "11.25mg three-monthly as puberty suppression. Please administer the injections and "
        "prescribe.",
        provider_type="private",
        medications="triptorelin 11.25mg",
        diagnosis="Gender incongruence",
        ages=(16, 17),
        expected="gender_dysphoria",
        edge_cases=("under_18",),
    ),
    Scenario(
        "Patient letter",
        "The patient",
        "I am on the gender identity clinic waiting list and have been buying estradiol online. "
        "I am asking for a bridging prescription until I am seen.",
        provider_type="unknown",
        medications="estradiol tablets 2mg",
        diagnosis="Gender dysphoria",
        expected="gender_dysphoria",
    ),
    # --- The same drugs for other reasons ------------------------------------------------------
    Scenario(
        "Menopause Clinic, Poole Hospital",
        "Dr K Ward, Consultant Gynaecologist",
        "Perimenopausal vasomotor symptoms. Please continue HRT: Evorel 50 patches twice weekly "
        "with oral micronised progesterone.",
        medications="Evorel 50;Utrogestan 100mg",
        diagnosis="Menopausal symptoms",
        ages=(46, 55),
        expected="unclassified",
        edge_cases=("unclassified",),
    ),
    Scenario(
        "Endocrinology, Dorset County Hospital",
        "Dr F Adeyemi, Consultant Endocrinologist",
        "Primary hypogonadism confirmed (testosterone 4.1 nmol/L twice). Started Testogel 40.5mg "
        "daily. Please continue prescribing; we will review in a year.",
        medications="Testogel 40.5mg",
        diagnosis="Male hypogonadism",
        ages=(35, 65),
        expected="unclassified",
        edge_cases=("unclassified",),
    ),
    Scenario(
        UROLOGY,
        "Mr T Grant, Consultant Urologist",
        "Locally advanced prostate cancer on androgen deprivation. Please give Zoladex 10.8mg "
        "three-monthly and check PSA every six months, referring back if it rises.",
        medications="goserelin 10.8mg",
        diagnosis="Prostate cancer",
        ages=(62, 85),
        expected="psa",
        edge_cases=("mixed_categories",),
    ),
    # --- MGUS -----------------------------------------------------------------------------------
    Scenario(
        HAEM,
        "Dr N Price, Consultant Haematologist",
        "Low-risk IgG MGUS, paraprotein 6 g/L, normal free light chain ratio. Discharged to your "
        "care: please check FBC, calcium, creatinine and paraprotein annually.",
        diagnosis="IgG MGUS",
        ages=(55, 85),
        expected="mgus",
    ),
    Scenario(
        HAEM,
        "Dr N Price, Consultant Haematologist",
        "MGUS follow-up. Latest bloods: adjusted calcium 3.1 mmol/L, creatinine 168, haemoglobin "
        "98. The patient reports new back pain. Please arrange monitoring bloods.",
        diagnosis="MGUS",
        ages=(60, 85),
        expected="mgus",
        edge_cases=("red_flag",),
    ),
    Scenario(
        HAEM,
        "Dr N Price, Consultant Haematologist",
        "Paraprotein has risen. Please repeat protein electrophoresis this week.",
        diagnosis="Monoclonal gammopathy of undetermined significance",
        urgency="urgent",
        ages=(60, 85),
        expected="mgus",
        edge_cases=("red_flag", "urgent"),
    ),
    Scenario(
        HAEM,
        "Dr N Price, Consultant Haematologist",
        "Please take over annual monitoring as per the attached pathway.",
        codes="277577000",
        ages=(55, 85),
        expected="mgus",
    ),
    # --- Bariatric ------------------------------------------------------------------------------
    Scenario(
        BARIATRIC,
        "Ms C Lowe, Bariatric Specialist Nurse",
        "Sleeve gastrectomy eight months ago. Please arrange nutritional bloods (FBC, ferritin, "
        "folate, B12, vitamin D, calcium, PTH, U&E, LFT) at 12 months and continue supplements.",
        procedure_months_ago=8,
        expected="bariatric",
    ),
    Scenario(
        BARIATRIC,
        "Ms C Lowe, Bariatric Specialist Nurse",
        "Roux-en-Y gastric bypass three years ago; now discharged from the bariatric service. "
        "Please continue annual nutritional bloods and B12 injections.",
        procedure_months_ago=37,
        expected="bariatric",
    ),
    Scenario(
        "Patient letter",
        "The patient",
        "I had a gastric sleeve in Turkey last year and was told to ask my GP for blood tests.",
        provider_type="private",
        diagnosis="Bariatric surgery abroad",
        expected="bariatric",
    ),
    Scenario(
        BARIATRIC,
        "Ms C Lowe, Bariatric Specialist Nurse",
        "Gastric bypass 14 months ago. She is now 10 weeks pregnant. Please arrange bloods "
        "including ferritin, folate and vitamin D.",
        procedure_months_ago=14,
        ages=(25, 38),
        expected="bariatric",
        edge_cases=("red_flag",),
    ),
    # --- Eating disorders -------------------------------------------------------------------------
    Scenario(
        EATING,
        "Dr E Martin, Consultant Psychiatrist",
        "Anorexia nervosa, in treatment with our service. Please arrange weekly U&E, phosphate, "
        "magnesium and an ECG for QTc, and send the results to us.",
        diagnosis="Anorexia nervosa",
        ages=(18, 40),
        expected="eating_disorder",
    ),
    Scenario(
        EATING,
        "Dr E Martin, Consultant Psychiatrist",
        "Anorexia nervosa. BMI 12.4, heart rate 38 at rest, potassium 2.8 mmol/L last week. "
        "Please monitor bloods twice weekly.",
        diagnosis="Anorexia nervosa",
        ages=(18, 30),
        expected="eating_disorder",
        edge_cases=("red_flag",),
    ),
    Scenario(
        "CAMHS Eating Disorder Team",
        "Dr L Fox, Consultant Child Psychiatrist",
        "15-year-old with restrictive eating disorder. Please do weekly bloods and weight.",
        diagnosis="Eating disorder",
        ages=(14, 16),
        expected="eating_disorder",
        edge_cases=("under_18",),
    ),
    Scenario(
        EATING,
        "Dr E Martin, Consultant Psychiatrist",
        "Please arrange monitoring bloods as per our protocol.",
        codes="888921000000106",
        ages=(18, 35),
        expected="eating_disorder",
    ),
    # --- DMARDs -----------------------------------------------------------------------------------
    Scenario(
        RHEUM,
        "Dr G Shah, Consultant Rheumatologist",
        "Rheumatoid arthritis. Stable on methotrexate 15mg once weekly with folic acid. Please "
        "take over prescribing and FBC, LFT and U&E every 12 weeks under shared care.",
        medications="methotrexate 15mg weekly;folic acid 5mg",
        diagnosis="Rheumatoid arthritis",
        expected="dmard",
    ),
    Scenario(
        RHEUM,
        "Dr G Shah, Consultant Rheumatologist",
        "Psoriatic arthritis. Started leflunomide (Arava) 20mg daily. Please monitor FBC, LFT and "
        "BP monthly for six months, then every two months.",
        medications="Arava 20mg",
        diagnosis="Psoriatic arthritis",
        expected="dmard",
    ),
    Scenario(
        RHEUM,
        "Dr G Shah, Consultant Rheumatologist",
        "On methotrexate. Neutrophils 0.8 on last check. Please continue monitoring bloods.",
        medications="methotrexate 20mg weekly",
        diagnosis="Rheumatoid arthritis",
        expected="dmard",
        edge_cases=("red_flag",),
    ),
    Scenario(
        "Dermatology, Poole Hospital",
        "Dr B Clarke, Consultant Dermatologist",
        "Severe psoriasis, started methotrexate 10mg weekly. Please take over monitoring bloods.",
        medications="methotrexate 10mg weekly",
        diagnosis="Psoriasis",
        expected="dmard",
    ),
    Scenario(
        "Gastroenterology, Dorset County Hospital",
        "Dr I Novak, Consultant Gastroenterologist",
        "Crohn's disease maintained on azathioprine 125mg daily; TPMT normal. Please continue "
        "prescribing with three-monthly FBC and LFT.",
        medications="azathioprine 125mg",
        diagnosis="Crohn's disease",
        expected="dmard",
    ),
    # --- Denosumab --------------------------------------------------------------------------------
    Scenario(
        BONE,
        "Ms D Reid, Osteoporosis Nurse Specialist",
        "Osteoporosis with vertebral fracture. On Prolia 60mg every six months; the next "
        "injection is due in three weeks. Please take over administration and check calcium "
        "before each dose.",
        request_type="continuation",
        medications="Prolia 60mg",
        diagnosis="Osteoporosis",
        supply_in_days=21,
        ages=(60, 88),
        expected="denosumab",
        edge_cases=("supply_risk",),
    ),
    Scenario(
        BONE,
        "Ms D Reid, Osteoporosis Nurse Specialist",
        "Started denosumab 60mg after a hip fracture; next dose due in five months. Please "
        "continue six-monthly injections with adjusted calcium and eGFR beforehand.",
        medications="denosumab 60mg",
        diagnosis="Osteoporosis",
        supply_in_days=150,
        ages=(65, 90),
        expected="denosumab",
    ),
    # --- PSA --------------------------------------------------------------------------------------
    Scenario(
        UROLOGY,
        "Mr T Grant, Consultant Urologist",
        "Radical prostatectomy two years ago, PSA undetectable. Discharged: please check PSA every "
        "six months and refer back if it is above 0.2.",
        diagnosis="Prostate cancer",
        ages=(55, 80),
        expected="psa",
    ),
    Scenario(
        UROLOGY,
        "Mr T Grant, Consultant Urologist",
        "Raised PSA 5.2 with a negative MRI. Please repeat PSA in primary care in six months.",
        diagnosis="Raised PSA",
        ages=(50, 75),
        expected="psa",
        edge_cases=("red_flag",),  # above the NICE NG12 threshold for every age it is given
    ),
    Scenario(
        UROLOGY,
        "Mr T Grant, Consultant Urologist",
        "PSA surveillance: PSA now 12.4, up from 6.1 in six months. "
        "Please continue PSA monitoring.",
        diagnosis="Prostate cancer",
        ages=(60, 80),
        expected="psa",
        edge_cases=("red_flag",),  # a rising PSA
    ),
    # --- INR --------------------------------------------------------------------------------------
    Scenario(
        ANTICOAG,
        "Anticoagulation Nurse, Dorset County Hospital",
        "Atrial fibrillation on warfarin, target INR 2.5. Please take over INR monitoring and "
        "dosing from next month.",
        medications="warfarin",
        diagnosis="Atrial fibrillation",
        ages=(60, 90),
        expected="inr",
    ),
    Scenario(
        ANTICOAG,
        "Anticoagulation Nurse, Dorset County Hospital",
        "INR 6.2 today; warfarin withheld. Please take over INR monitoring.",
        medications="warfarin",
        diagnosis="Deep vein thrombosis",
        ages=(45, 85),
        expected="inr",
        edge_cases=("red_flag",),
    ),
    Scenario(
        "Cardiology, Royal Bournemouth Hospital",
        "Dr O Evans, Consultant Cardiologist",
        "Mechanical mitral valve, target INR 3.5. Please monitor INR and adjust warfarin.",
        medications="Marevan",
        diagnosis="Mechanical heart valve",
        ages=(40, 80),
        expected="inr",
        edge_cases=("red_flag",),  # a mechanical valve: a GP sets the INR plan
    ),
    # --- Mental health bloods / ECG ---------------------------------------------------------------
    Scenario(
        CMHT,
        "Dr W Baker, Consultant Psychiatrist",
        "Schizophrenia, stable on aripiprazole 15mg. Please arrange annual bloods (lipids, HbA1c, "
        "prolactin) and an ECG for antipsychotic monitoring.",
        medications="aripiprazole 15mg",
        diagnosis="Schizophrenia",
        expected="mental_health_monitoring",
    ),
    Scenario(
        "Early Intervention in Psychosis Team",
        "Dr W Baker, Consultant Psychiatrist",
        "First-episode psychosis, started olanzapine 10mg. Please do baseline and three-monthly "
        "metabolic monitoring: weight, glucose, lipids.",
        medications="olanzapine 10mg",
        diagnosis="Psychotic disorder",
        expected="mental_health_monitoring",
    ),
    Scenario(
        CMHT,
        "Dr W Baker, Consultant Psychiatrist",
        "Treatment-resistant schizophrenia. Please prescribe clozapine 300mg daily and arrange the "
        "FBC monitoring.",
        medications="clozapine 300mg",
        diagnosis="Schizophrenia",
        expected="mental_health_monitoring",
        edge_cases=("red_flag",),
    ),
    Scenario(
        CMHT,
        "Dr W Baker, Consultant Psychiatrist",
        "On quetiapine 400mg. ECG shows QTc 510 ms. Please repeat ECG and bloods.",
        medications="quetiapine 400mg",
        diagnosis="Bipolar disorder",
        expected="mental_health_monitoring",
        edge_cases=("red_flag",),
    ),
    Scenario(
        CMHT,
        "Dr W Baker, Consultant Psychiatrist",
        "Please complete the annual SMI physical health check, and additionally our trust's "
        "antipsychotic monitoring bloods and ECG for risperidone.",
        medications="risperidone 4mg",
        diagnosis="Schizophrenia",
        expected="mental_health_monitoring",
        edge_cases=("mixed_categories",),
    ),
    # --- Lithium ----------------------------------------------------------------------------------
    Scenario(
        CMHT,
        "Dr W Baker, Consultant Psychiatrist",
        "Bipolar disorder, stable on Priadel 800mg at night. Please take over lithium levels, U&E, "
        "TFT and calcium three-monthly under shared care.",
        medications="Priadel 800mg",
        diagnosis="Bipolar affective disorder",
        expected="lithium",
    ),
    Scenario(
        CMHT,
        "Dr W Baker, Consultant Psychiatrist",
        "Lithium level 1.6 mmol/L with tremor and diarrhoea. Please recheck lithium level and U&E.",
        medications="lithium carbonate 400mg",
        diagnosis="Bipolar disorder",
        urgency="urgent",
        expected="lithium",
        edge_cases=("red_flag", "urgent"),
    ),
    Scenario(
        CMHT,
        "Dr W Baker, Consultant Psychiatrist",
        "On lithium carbonate 600mg; recently started ibuprofen for back pain. Please monitor "
        "lithium levels.",
        medications="lithium carbonate 600mg;ibuprofen 400mg",
        diagnosis="Bipolar disorder",
        expected="lithium",
        edge_cases=("red_flag",),
    ),
    # --- Mixed and unclear -----------------------------------------------------------------------
    Scenario(
        "Neurodevelopmental and Rheumatology Clinics",
        "Dr R Okafor, Consultant Psychiatrist",
        "Please take over methylphenidate prescribing for ADHD, and also methotrexate monitoring "
        "for her rheumatoid arthritis.",
        medications="methylphenidate 20mg;methotrexate 10mg weekly",
        diagnosis="ADHD; rheumatoid arthritis",
        expected="mixed",
        edge_cases=("mixed_categories",),
    ),
    Scenario(
        "Diabetes Centre, Dorset County Hospital",
        "Dr Y Ito, Consultant Diabetologist",
        "Please take over insulin titration for this patient with type 2 diabetes.",
        medications="insulin glargine",
        diagnosis="Type 2 diabetes",
        expected="unclassified",
        edge_cases=("unclassified",),
    ),
    Scenario(
        "Orthopaedics, Poole Hospital",
        "Mr V Hall, Consultant Orthopaedic Surgeon",
        "Please issue a fit note for six weeks and continue methotrexate as before.",
        medications="methotrexate 12.5mg weekly",
        expected="dmard",
        edge_cases=("mixed_categories",),
    ),
    Scenario(
        "Outpatients, Dorset County Hospital",
        "Clinic secretary",
        "Please see the attached and action as appropriate.",
        provider_type="unknown",
        expected="unclassified",
        edge_cases=("unclassified",),
    ),
    Scenario(
        CMHT,
        "Dr W Baker, Consultant Psychiatrist",
        "Bipolar disorder on Camcolit 400mg. Please take over lithium monitoring.",
        medications="Camcolit 400mg",
        category="dmard",
        expected="lithium",
        edge_cases=("mixed_categories",),
    ),
)
