"""Clinic letters written the way hospitals write them (letterhead, reference, date in words, the
patient in a "Re:" line or a details table, results in sentences, a signature block), as plain
text, PDF, Word, e-mail and scans (printed, then scanned at 200 dpi: slightly skewed, grey and
speckled). Used by the letter tests and benchmarks/letters.py."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from random import Random

import docx
import pypdfium2
from fpdf import FPDF
from PIL import Image

from triage.models import day_in_words, spaced_nhs_number


@dataclass(frozen=True)
class Patient:
    title: str
    first: str
    surname: str
    nhs_number: str
    born: date

    @property
    def name(self) -> str:
        return f"{self.first} {self.surname}"


ELLIOTT = Patient("Mrs", "Margaret", "Elliott", "9434765919", date(1956, 3, 12))

_SERVICES = (
    ("Dorset County Hospital NHS Foundation Trust", "Department of Rheumatology",
     "Dr Jane Okafor", "Consultant Rheumatologist",
     "Her rheumatoid arthritis is well controlled on methotrexate 15mg weekly. Hb 128 g/L, "
     "ALT 22. Please take over prescribing and monitoring under the shared care agreement."),
    ("University Hospitals Dorset NHS Foundation Trust", "Haematology Service",
     "Dr Samuel Reid", "Consultant Haematologist",
     "This patient has an IgG kappa MGUS, paraprotein 4 g/L, low risk. I would be grateful if "
     "you could monitor the paraprotein annually in primary care."),
    ("Dorset HealthCare University NHS Foundation Trust", "Adult ADHD Service",
     "Dr Priya Natarajan", "Consultant Psychiatrist",
     "ADHD was diagnosed and titration is complete on lisdexamfetamine 50mg. Please take on "
     "shared care prescribing, with blood pressure and weight every six months."),
)  # fmt: skip
_FIRST = ("Margaret", "Oliver", "Priya", "Kwame", "Isla", "Tomasz", "Amelia", "Harry", "Aisha")
_SURNAMES = ("Elliott", "Okonkwo", "Patel", "Nowak", "Murray", "Thompson", "O'Brien", "Hughes")


def random_patient(rng: Random) -> Patient:
    """A patient with a valid (synthetic, 999-range) NHS number."""
    while True:
        first_nine = "999" + "".join(str(rng.randrange(10)) for _ in range(6))
        total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check != 10:
            break
    born = date(rng.randrange(1935, 2005), rng.randrange(1, 13), rng.randrange(1, 29))
    title = rng.choice(("Mr", "Mrs", "Ms", "Miss", "Mx"))
    return Patient(title, rng.choice(_FIRST), rng.choice(_SURNAMES), first_nine + str(check), born)


def clinic_letter(
    patient: Patient = ELLIOTT,
    *,
    layout: int = 0,
    service: int = 0,
    written: date = date(2025, 1, 14),
    ref: str | None = "RHEU/2291/JO",
) -> str:
    """A letter in one of four layouts: a "Re:" line with everything on it; labelled lines
    with the date of birth in words; a details table (cells separated by "|"); the name as
    hospital systems print it ("ELLIOTT, Margaret (Mrs)") with the date as "12-Mar-1956"."""
    trust, department, doctor, role, body = _SERVICES[service % len(_SERVICES)]
    spaced = spaced_nhs_number(patient.nhs_number)
    if layout % 4 == 0:
        about = (
            f"Re: {patient.title} {patient.first} {patient.surname.upper()}, "
            f"DOB {patient.born:%d/%m/%Y}, NHS No: {spaced}\n"
            "Address: 4 Chapel Lane, Weymouth"
        )
    elif layout % 4 == 1:
        about = (
            f"Patient: {patient.title} {patient.name}\n"
            f"Date of birth: {day_in_words(patient.born)}\n"
            f"NHS Number: {patient.nhs_number}"
        )
    elif layout % 4 == 2:
        about = (
            "Patient details\n"
            f"Name | {patient.first} {patient.surname.upper()}\n"
            f"D.O.B. | {patient.born:%d.%m.%Y}\n"
            f"NHS number | {spaced}"
        )
    else:
        about = (
            f"Patient: {patient.surname.upper()}, {patient.first} ({patient.title})   "
            f"DOB: {patient.born:%d-%b-%Y}   NHS: {patient.nhs_number}"
        )
    reference = f"Our ref: {ref}\n\n" if ref else ""
    return (
        f"{trust}\n{department}\nWilliams Avenue, Dorchester DT1 2JY\nTel: 01305 251150\n\n"
        f"{reference}{day_in_words(written)}\n\n"
        "Dr A Patel\nHarbour Street Surgery\n1 Harbour Street\nWeymouth DT4 0AA\n\n"
        f"Dear Dr Patel,\n\n{about}\n\n"
        f"I reviewed {patient.title} {patient.surname} in clinic today. {body}\n\n"
        f"Yours sincerely,\n\n{doctor}\n{role}\n\ncc: Patient\n"
    )


def pdf_of(*pages: str) -> bytes:
    """A PDF with a text layer, one page per string (core fonts: Latin-1 text only)."""
    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=11)
    for page in pages:
        pdf.add_page()
        pdf.multi_cell(0, 5, page)
    return bytes(pdf.output())


def scan_of(text: str, *, dpi: int = 200, seed: int = 0) -> Image.Image:
    """The letter printed and put through a scanner: a page image at `dpi`, turned by up to a
    degree, with the scanner's grey speckle and slight blur."""
    from PIL import ImageFilter

    rng = Random(seed)
    page = pypdfium2.PdfDocument(pdf_of(text))[0]
    image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    image = image.rotate(rng.uniform(-1.0, 1.0), resample=Image.Resampling.BICUBIC, fillcolor=255)
    speckle = Image.effect_noise(image.size, 60)
    return Image.blend(image, speckle, 0.12).filter(ImageFilter.GaussianBlur(0.5))


def scanned_pdf_of(text: str, *, seed: int = 0) -> bytes:
    """A scanner's PDF: the page as an image, no text layer."""
    out = io.BytesIO()
    scan_of(text, seed=seed).save(out, format="PDF", resolution=200)
    return out.getvalue()


def image_of(text: str, kind: str = "PNG", *, seed: int = 0) -> bytes:
    """A scan saved as an image file: PNG, JPEG or TIFF."""
    out = io.BytesIO()
    scan_of(text, seed=seed).save(out, format=kind, **({"quality": 85} if kind == "JPEG" else {}))
    return out.getvalue()


def docx_of(text: str, table: list[tuple[str, str]] | None = None) -> bytes:
    """A Word file with a paragraph per line, and the rows given as a two-column table."""
    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    if table:
        grid = document.add_table(rows=0, cols=2)
        for label, value in table:
            cells = grid.add_row().cells
            cells[0].text, cells[1].text = label, value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


_ATTACHMENT_TYPES = {
    b"%PDF": ("application", "pdf"),
    b"\x89PNG": ("image", "png"),
    b"\xff\xd8\xff": ("image", "jpeg"),
}


def eml_of(body: str, attachments: list[tuple[str, bytes]]) -> bytes:
    """An NHSmail-style e-mail with the letters attached."""
    message = EmailMessage()
    message["From"] = "dch.rheumatology@nhs.net"
    message["To"] = "harbour.street@nhs.net"
    message["Subject"] = "Shared care request"
    message["Date"] = "Tue, 14 Jan 2025 09:30:00 +0000"
    message.set_content(body)
    for filename, data in attachments:
        maintype, subtype = next(
            (kind for magic, kind in _ATTACHMENT_TYPES.items() if data.startswith(magic)),
            ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
        )
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(message)
