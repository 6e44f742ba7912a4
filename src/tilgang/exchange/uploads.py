"""A Django upload handler that encrypts each uploaded file as it arrives: the plaintext never
touches the disk (Django's own handlers would spool large files to /tmp in the clear)."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from tilgang.exchange.services import blob_receiver
from tilgang.exchange.storage import BlobReceiver, SealedBlob


class SealedUpload(UploadedFile):
    def __init__(self, blob: SealedBlob, content_type: str | None) -> None:
        super().__init__(file=None, name=blob.name, content_type=content_type, size=blob.size)
        self.blob = blob


class SealingUploadHandler(FileUploadHandler):
    chunk_size = 1 << 20

    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.receiver: BlobReceiver | None = None
        self.received: list[SealedBlob] = []

    def new_file(
        self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None
    ):
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        self.receiver = blob_receiver(file_name)

    def receive_data_chunk(self, raw_data, start):
        if self.receiver is not None:
            self.receiver.write(raw_data)  # past the size limit, the rest is dropped and noted
        return None

    def file_complete(self, file_size):
        if self.receiver is None:
            return None
        blob = self.receiver.close()
        self.receiver = None
        self.received.append(blob)
        return SealedUpload(blob, self.content_type)

    def upload_interrupted(self):
        if self.receiver is not None:
            self.receiver.abort()
            self.receiver = None
        self.discard()

    def discard(self) -> None:
        for blob in self.received:
            blob.discard()
