"""The upload slots and the Content-Disposition of a stored file, without a database."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.exceptions import HTTPException

from hub.web.files import content_disposition
from hub.web.uploads import Uploads


async def test_an_upload_that_finds_no_free_slot_in_time_is_503_with_retry_after(tmp_path: Path) -> None:
    uploads = Uploads(slots=1, wait_seconds=0, spool_dir=tmp_path)
    async with uploads.slot():
        with pytest.raises(HTTPException) as refused:
            async with uploads.slot():
                pass
    assert refused.value.status_code == 503
    assert refused.value.headers == {"Retry-After": "10"}
    async with uploads.slot():  # the slot was given back
        pass


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("rks.pdf", "attachment; filename=\"rks.pdf\"; filename*=UTF-8''rks.pdf"),
        ("ä€.pdf", "attachment; filename=\"__.pdf\"; filename*=UTF-8''%C3%A4%E2%82%AC.pdf"),
        ('a"b\\c.pdf', 'attachment; filename="a\\"b\\\\c.pdf"; filename*=UTF-8\'\'a%22b%5Cc.pdf'),
        ("a\r\nb;c.pdf", "attachment; filename=\"a__b;c.pdf\"; filename*=UTF-8''a%0D%0Ab%3Bc.pdf"),
    ],
)
def test_a_file_name_never_breaks_the_content_disposition_header(name: str, header: str) -> None:
    assert content_disposition(name) == header
