"""Turning a raw RFC 5322 message into plain parts: sender, subject, text, attachments.

Defensive throughout: unknown or wrong character sets fall back to a lossy decode instead of failing,
HTML becomes plain text (scripts and styles dropped; the text is escaped again wherever it is shown),
and every attachment is kept as bytes to be stored and offered only as a download.
No Django imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses
from html.parser import HTMLParser

REFERENCE_RE = re.compile(r"\bINF-(\d{4})-(\d{5,})\b", re.IGNORECASE)
_EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    sender: str
    sender_name: str
    subject: str
    text: str
    attachments: list[Attachment] = field(default_factory=list)
    html_only: bool = False
    automatic: bool = False  # an auto-reply, bounce or list mail (RFC 3834): no receipt goes back
    defects: int = 0

    @property
    def reference(self) -> str | None:
        match = REFERENCE_RE.search(self.subject)
        return f"INF-{match.group(1)}-{match.group(2)}".upper() if match else None


class _TextFromHtml(HTMLParser):
    """Collects the visible text of an HTML body; script, style and head contents are dropped."""

    SKIP = {"script", "style", "head", "title", "template", "noscript"}
    BREAKS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextFromHtml()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _decode_part(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload() or "")
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset)
    except (LookupError, UnicodeDecodeError):
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            return payload.decode("cp1252", errors="replace")


def _sender(message: Message) -> tuple[str, str]:
    try:
        header = message.get("From")
        addresses = getattr(header, "addresses", None)
        if addresses:
            first: Address = addresses[0]
            return first.addr_spec.strip().lower(), str(first.display_name or "").strip()
    except (IndexError, ValueError, TypeError):
        pass
    raw = str(message.get("From", "") or "")
    for name, address in getaddresses([raw]):
        if address:
            return address.strip().lower(), name.strip()
    return "", ""


def _is_automatic(message: Message) -> bool:
    auto = str(message.get("Auto-Submitted", "no") or "no").strip().lower()
    precedence = str(message.get("Precedence", "") or "").strip().lower()
    return (
        auto != "no"
        or precedence in {"bulk", "junk", "list", "auto_reply"}
        or bool(message.get("X-Autoreply") or message.get("X-Autorespond"))
    )


def _filename(part: Message, index: int) -> str:
    try:
        name = part.get_filename()
    except (ValueError, TypeError, LookupError):
        name = None
    name = (name or "").replace("\\", "/").split("/")[-1].strip()
    name = re.sub(r"[\x00-\x1f<>:\"|?*]", "_", name)[:150]
    return name or f"attachment-{index}"


def parse_message(raw: bytes) -> ParsedMail:
    """Parse ``raw``; never raises on bad content (a bad header or charset loses only that part)."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    sender, sender_name = _sender(message)
    if sender and not _EMAIL_RE.match(sender):
        sender = ""
    try:
        subject = " ".join(str(message.get("Subject", "") or "").split())[:300]
    except (ValueError, TypeError, LookupError):
        subject = ""
    plain: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    parts = message.walk() if message.is_multipart() else iter([message])
    for index, part in enumerate(parts, start=1):
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        is_attachment = disposition == "attachment" or (
            content_type not in ("text/plain", "text/html") and part is not message
        )
        if is_attachment or (disposition == "inline" and part.get_filename()):
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                attachments.append(Attachment(_filename(part, index), content_type, data))
            continue
        if content_type == "text/html":
            html.append(_decode_part(part))
        elif content_type == "text/plain" or part is message:
            plain.append(_decode_part(part))
    text = "\n\n".join(chunk.strip() for chunk in plain if chunk.strip())
    html_only = False
    if not text and html:
        text = "\n\n".join(html_to_text(chunk) for chunk in html).strip()
        html_only = True
        # The original HTML is kept as a file, never shown as a page.
        for number, chunk in enumerate(html, start=1):
            attachments.append(Attachment(f"original-{number}.html", "text/html", chunk.encode()))
    text = text.replace("\r\n", "\n").replace("\x00", "")
    defects = len(getattr(message, "defects", []) or [])
    return ParsedMail(
        sender=sender,
        sender_name=sender_name[:200],
        subject=subject,
        text=text,
        attachments=attachments,
        html_only=html_only,
        automatic=_is_automatic(message),
        defects=defects,
    )
