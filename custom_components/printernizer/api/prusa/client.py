"""PrusaLink HTTP client (Buddy firmware and the Raspberry Pi build).

Gentle on the printer by design: the Buddy board has three HTTP slots and also talks to
PrusaConnect, so one client uses at most two: one for short requests (status polls, listings,
commands; one at a time, commands first) and one for transfers (downloads, metadata streams,
uploads; one at a time). A transfer takes minutes on a Buddy board (~200 KB/s), so it never
holds the slot that polls and the Stop button need. Authentication is Digest (RFC 2069 style,
see `digest.py`) or an `X-Api-Key` header.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
import functools
import heapq
import json
import logging
import pathlib
from typing import Any
from urllib.parse import quote

import aiohttp
from yarl import URL

from ..errors import (
    FileTransferError,
    NotAPrinterError,
    PrinterAuthError,
    PrinterCommandError,
    PrinterConnectionError,
    PrinterError,
    PrinterJobNotFoundError,
    PrinterStateConflictError,
    PrinterTimeoutError,
    RemoteFileExistsError,
)
from ..filewriter import OnBlock, ThreadedFileWriter
from ..metadata import StreamingMetadataReader
from ..models import (
    PrinterInfo,
    PrintMetadata,
    RemoteFile,
)
from ..remotepath import check_path
from .digest import DigestAuth
from .parse import is_pi_build, parse_printer_info

_LOGGER = logging.getLogger(__name__)

_SAFE_PATH = "/~!$&'()*+,;=:@-._"
_CHUNK = 64 * 1024
_MAX_THUMBNAIL = 8 * 1024 * 1024
_MAX_FOLDER_DEPTH = 16
#: Upload body blocks read from disk (in the executor) and handed to the socket.
_UPLOAD_BLOCK = 256 * 1024

#: Progress of an upload: (bytes sent, total bytes); called in the event loop.
type OnProgress = Callable[[int, int], None]


class _RequestSlot:
    """One short request at a time; a waiting command goes before waiting polls.

    Why: a status poll and a file listing queue here every few seconds; a Stop pressed
    meanwhile should not wait behind all of them.
    """

    __slots__ = ("_busy", "_sequence", "_waiters")

    def __init__(self) -> None:
        self._busy = False
        self._sequence = 0
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []

    @contextlib.asynccontextmanager
    async def hold(self, *, urgent: bool = False) -> AsyncIterator[None]:
        """Wait for the slot (before the other waiters when `urgent`) and hold it."""
        if self._busy or self._waiters:
            waiter = asyncio.get_running_loop().create_future()
            self._sequence += 1
            heapq.heappush(self._waiters, (0 if urgent else 1, self._sequence, waiter))
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._release()  # handed over just as we were cancelled: pass it on
                else:
                    self._waiters = [w for w in self._waiters if w[2] is not waiter]
                    heapq.heapify(self._waiters)
                raise
        self._busy = True
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        """Hand the slot to the first waiter still waiting, else free it."""
        while self._waiters:
            _, _, waiter = heapq.heappop(self._waiters)
            if not waiter.done():
                waiter.set_result(None)  # the slot stays busy: it is the waiter's now
                return
        self._busy = False


@dataclass(slots=True)
class _Answer:
    """A fully read response."""

    status: int
    headers: Any
    body: bytes


def _normalise_host(host: str, port: int) -> URL:
    """Accept "1.2.3.4", "http://1.2.3.4/", "printer.local:8080" and return the base URL."""
    raw = host.strip()
    if "://" not in raw:
        raw = f"http://{raw}"
    url = URL(raw)
    if not url.host:
        raise ValueError(f"no host in {host!r}")
    scheme = url.scheme if url.scheme in ("http", "https") else "http"
    if url.explicit_port is None and scheme == "https" and port == 80:
        port = 443  # port 80 is only the plain-HTTP default
    return URL.build(scheme=scheme, host=url.host, port=url.explicit_port or port)


def _is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


class PrusaLinkClient:
    """Talk to one PrusaLink printer; all methods raise only `PrinterError` subclasses."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        host: str,
        *,
        port: int = 80,
        username: str = "maker",
        password: str | None = None,
        api_key: str | None = None,
        request_timeout: float = 10.0,
        download_idle_timeout: float = 30.0,
    ) -> None:
        """Store the connection details; nothing is sent until the first call."""
        self._session = session
        self._base = _normalise_host(host, port)
        self.host: str = self._base.host or ""
        self.port: int = self._base.port or port
        self._api_key = api_key or None
        self._digest = (
            DigestAuth(username, password) if password is not None and not self._api_key else None
        )
        self._timeout = request_timeout
        self._idle_timeout = download_idle_timeout
        self._requests = _RequestSlot()
        # Downloads, metadata streams and uploads: one at a time, beside one short request.
        self._transfers = asyncio.Lock()
        self._folder_cache: dict[str, tuple[str, dict[str, Any]]] = {}
        self._file_api_paths: dict[str, str] = {}  # refs.download -> /api/v1/files/... path
        self.flavour: str | None = None  # "buddy" or "pi", known after async_get_printer_info
        self.auth_retries = 0  # 401 answers that were followed by a retry (first login, stale)
        self.not_modified = 0  # folder listings answered 304 from the ETag cache
        self.last_metadata_bytes = 0  # bytes streamed by the last async_read_metadata

    @property
    def base_url(self) -> str:
        """The printer's base URL (for configuration links)."""
        return str(self._base)

    # -- transport ----------------------------------------------------------------------------

    def _url(self, path: str) -> URL:
        """Build the URL for a raw (unencoded) path such as a `refs.download` value."""
        if not path.startswith("/"):
            path = f"/{path}"
        return URL(f"{self._base}{quote(path, safe=_SAFE_PATH)}", encoded=True)

    def _auth_headers(self, method: str, url: URL) -> dict[str, str]:
        if self._api_key is not None:
            return {"X-Api-Key": self._api_key}
        if self._digest is not None:
            value = self._digest.authorization(method, url.raw_path_qs)
            if value is not None:
                return {"Authorization": value}
        return {}

    @contextlib.asynccontextmanager
    async def _open(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        client_timeout: aiohttp.ClientTimeout | None = None,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """Send one request, answering a Digest challenge once; yield the final response.

        The caller holds a slot (a short request's or the transfer's). A 401 is retried once when it is the first challenge or the
        nonce went stale, so both are invisible to callers; any other 401 is an auth error.
        """
        url = self._url(path)
        for attempt in range(2):
            request_headers = {"Accept": "application/json", **(headers or {})}
            auth = self._auth_headers(method, url)
            request_headers.update(auth)
            response = await self._session.request(
                method,
                url,
                headers=request_headers,
                timeout=client_timeout or aiohttp.ClientTimeout(total=None),
                allow_redirects=False,
                raise_for_status=False,
            )
            if response.status == 401:
                challenge = response.headers.get("WWW-Authenticate", "")
                await response.read()
                response.release()
                self._check_challenge(
                    challenge, sent_digest="Authorization" in auth, attempt=attempt
                )
                self.auth_retries += 1
                continue
            if response.status == 403 and self._api_key is not None:
                body = await response.read()  # kept by the response for the caller
                if b"api-key" in body.lower() or path.startswith("/api/version"):
                    response.release()
                    raise PrinterAuthError("the printer refused the API key")
                # a forbidden resource (an SD-card download), not the key: the caller
                # handles this 403 as it does with Digest auth
            try:
                yield response
            finally:
                response.release()
            return

    def _check_challenge(self, challenge: str, *, sent_digest: bool, attempt: int) -> None:
        """Decide whether a 401 may be retried (raises PrinterAuthError if not)."""
        if self._digest is None:
            what = "API key" if self._api_key else "request (no password configured)"
            raise PrinterAuthError(f"the printer refused the {what}")
        try:
            self._digest.update_challenge(challenge)
        except ValueError as err:
            raise PrinterAuthError(f"no usable Digest challenge: {err}") from err
        if attempt > 0 or (sent_digest and not self._digest.stale):
            raise PrinterAuthError("the printer refused the username or password")

    async def _call(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        urgent: bool = False,
    ) -> _Answer:
        """One short request in the request slot; the timeout starts once the slot is held.

        `urgent` (commands) goes before the polls and listings waiting for the slot.
        """
        async with self._requests.hold(urgent=urgent):
            try:
                async with (
                    asyncio.timeout(self._timeout),
                    self._open(method, path, headers=headers) as response,
                ):
                    body = await response.read()
                    return _Answer(response.status, response.headers, body)
            except PrinterError:
                raise
            except TimeoutError as err:
                raise PrinterTimeoutError(
                    f"{method} {path}: no answer in {self._timeout} s"
                ) from err
            except (aiohttp.ClientError, OSError) as err:
                raise PrinterConnectionError(f"{method} {path}: {err}") from err

    async def _get_json(self, path: str, *, allow_empty: bool = False) -> dict[str, Any] | None:
        """GET a JSON object; 204 gives None where allowed, 404 means no PrusaLink v1 API."""
        answer = await self._call("GET", path)
        if answer.status == 204 and allow_empty:
            return None
        if answer.status == 404:
            raise NotAPrinterError(f"{path} not found: not a PrusaLink printer")
        self._raise_for_status(answer, path)
        return self._decode(answer, path)

    @staticmethod
    def _decode(answer: _Answer, path: str) -> dict[str, Any]:
        try:
            data = json.loads(answer.body)
        except ValueError as err:
            raise NotAPrinterError(f"{path} did not answer JSON") from err
        if not isinstance(data, dict):
            raise NotAPrinterError(f"{path} did not answer a JSON object")
        return data

    @staticmethod
    def _raise_for_status(answer: _Answer, path: str) -> None:
        if answer.status >= 500:
            raise PrinterConnectionError(f"{path}: printer answered HTTP {answer.status}")
        if answer.status >= 300:
            raise PrinterError(f"{path}: unexpected HTTP {answer.status}")

    # -- plain endpoints ----------------------------------------------------------------------

    async def async_get_version(self) -> dict[str, Any]:
        """`/api/version`: API and firmware versions, hostname."""
        return await self._get_json("/api/version") or {}

    async def async_get_info(self) -> dict[str, Any]:
        """`/api/v1/info`: serial (the stable unique id), nozzle, hostname."""
        return await self._get_json("/api/v1/info") or {}

    async def async_get_status(self) -> dict[str, Any]:
        """`/api/v1/status`: the cheap poll (printer state, temperatures, job progress)."""
        return await self._get_json("/api/v1/status") or {}

    async def async_get_job(self) -> dict[str, Any] | None:
        """`/api/v1/job`: the current job with its file, or None (204) when there is none."""
        return await self._get_json("/api/v1/job", allow_empty=True)

    async def async_get_storage(self) -> list[dict[str, Any]]:
        """`/api/v1/storage`: the storages (Buddy: `/usb/`; Pi: `/local`, `/sdcard`)."""
        data = await self._get_json("/api/v1/storage") or {}
        storages = data.get("storage_list")
        return [s for s in storages if isinstance(s, dict)] if isinstance(storages, list) else []

    async def async_get_printer_info(self) -> PrinterInfo:
        """Identify the printer; raises NotAPrinterError when the host is not PrusaLink.

        Sets `flavour`: "pi" for the Raspberry Pi build, else "buddy".
        """
        try:
            version = await self.async_get_version()
        except PrinterError as err:
            if type(err) is PrinterError:  # an odd status code on /api/version
                raise NotAPrinterError(str(err)) from err
            raise
        if not isinstance(version.get("api"), str) and not isinstance(version.get("text"), str):
            raise NotAPrinterError("/api/version has neither `api` nor `text`")
        info = await self.async_get_info()
        self.flavour = "pi" if is_pi_build(version) else "buddy"
        return parse_printer_info(version, info)

    # -- job control --------------------------------------------------------------------------

    async def _job_command(self, method: str, path: str) -> None:
        answer = await self._call(method, path, urgent=True)
        if answer.status in (200, 204):
            return
        if answer.status == 409:
            raise PrinterStateConflictError(f"{path}: not possible in the printer's current state")
        if answer.status == 404:
            raise PrinterJobNotFoundError(f"{path}: not the printer's current job")
        if answer.status >= 500:
            raise PrinterConnectionError(f"{path}: printer answered HTTP {answer.status}")
        raise PrinterCommandError(f"{path}: refused with HTTP {answer.status}")

    async def async_pause_job(self, job_id: int) -> None:
        """Pause the running job (409 unless PRINTING)."""
        await self._job_command("PUT", f"/api/v1/job/{int(job_id)}/pause")

    async def async_resume_job(self, job_id: int) -> None:
        """Resume a paused job (409 unless PAUSED)."""
        await self._job_command("PUT", f"/api/v1/job/{int(job_id)}/resume")

    async def async_cancel_job(self, job_id: int) -> None:
        """Stop the job (409 unless PRINTING/PAUSED, Buddy also ATTENTION)."""
        await self._job_command("DELETE", f"/api/v1/job/{int(job_id)}")

    # -- upload and start ---------------------------------------------------------------------

    async def _async_ensure_nonce(self) -> None:
        """Get a Digest nonce with a cheap GET first, so an upload's body is sent only once.

        Without one the PUT would be answered 401 after its whole body crossed the wire.
        """
        if self._digest is not None and not self._digest.has_challenge:
            await self._call("GET", "/api/version")

    async def async_upload_file(
        self,
        source: pathlib.Path,
        remote_path: str,
        *,
        overwrite: bool = False,
        print_after: bool = False,
        on_progress: OnProgress | None = None,
    ) -> int:
        """PUT `source` to `/api/v1/files/<storage>/<path>`; return the bytes sent.

        `remote_path` starts with the storage (`/usb/x.bgcode`). The body is streamed from
        disk with its Content-Length, once (see `_async_ensure_nonce`), in the transfer slot:
        status polls and commands keep their own slot during a slow upload. 409 is an existing
        file (RemoteFileExistsError) or, with `print_after`, a busy printer
        (PrinterStateConflictError).
        """
        path = check_path(remote_path)
        size = (await asyncio.get_running_loop().run_in_executor(None, source.stat)).st_size
        await self._async_ensure_nonce()
        headers = {
            "Content-Type": "application/octet-stream",
            "Content-Length": str(size),
            "Overwrite": "?1" if overwrite else "?0",
            "Print-After-Upload": "?1" if print_after else "?0",
        }
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=self._timeout, sock_read=self._idle_timeout
        )
        async with self._transfers:
            for attempt in range(2):
                body = _file_body(source, size, on_progress)
                try:
                    status, stale = await self._async_put(path, headers, body, timeout)
                except (TimeoutError, aiohttp.ClientError, OSError) as err:
                    raise FileTransferError(f"upload of {path} was cut short: {err!r}") from err
                finally:
                    await body.aclose()
                if not stale or attempt:
                    break
        if status in (200, 201, 204):
            return size
        if status == 409:
            if print_after:
                raise PrinterStateConflictError(f"{path}: exists, or the printer is busy")
            raise RemoteFileExistsError(f"{path} already exists on the printer")
        if status == 401:
            raise PrinterAuthError("the printer refused the username or password")
        if status >= 500:
            raise PrinterConnectionError(f"PUT {path}: printer answered HTTP {status}")
        raise FileTransferError(f"upload of {path} refused with HTTP {status}")

    async def _async_put(
        self,
        path: str,
        headers: dict[str, str],
        body: AsyncIterator[bytes],
        client_timeout: aiohttp.ClientTimeout,
    ) -> tuple[int, bool]:
        """One PUT; (status, True when it was a stale-nonce 401 worth one retry)."""
        url = self._url(f"/api/v1/files{path}")
        request_headers = {"Accept": "application/json", **headers}
        request_headers.update(self._auth_headers("PUT", url))
        async with self._session.put(
            url,
            data=body,
            headers=request_headers,
            timeout=client_timeout,
            allow_redirects=False,
            raise_for_status=False,
        ) as response:
            await response.read()
            if response.status != 401:
                return response.status, False
            challenge = response.headers.get("WWW-Authenticate", "")
        if self._digest is None:
            return 401, False
        try:
            self._digest.update_challenge(challenge)
        except ValueError:
            return 401, False
        self.auth_retries += 1
        return 401, self._digest.stale

    async def async_start_print(self, remote_path: str) -> None:
        """POST `/api/v1/files/<storage>/<path>`: print an existing file (409 when busy)."""
        path = check_path(remote_path)
        answer = await self._call("POST", f"/api/v1/files{path}", urgent=True)
        if answer.status in (200, 201, 204):
            return
        if answer.status == 409:
            raise PrinterStateConflictError(f"{path}: the printer cannot print now")
        if answer.status == 404:
            raise FileTransferError(f"{path}: file not found")
        if answer.status >= 500:
            raise PrinterConnectionError(f"POST {path}: printer answered HTTP {answer.status}")
        raise PrinterCommandError(f"POST {path}: refused with HTTP {answer.status}")

    # -- files --------------------------------------------------------------------------------

    async def _get_folder(self, api_path: str) -> dict[str, Any]:
        """GET a folder listing, revalidated with its ETag (304 reuses the cached listing)."""
        cached = self._folder_cache.get(api_path)
        headers = {"If-None-Match": cached[0]} if cached else None
        answer = await self._call("GET", api_path, headers=headers)
        if answer.status == 304 and cached:
            self.not_modified += 1
            return cached[1]
        if answer.status == 404:
            self._folder_cache.pop(api_path, None)
            raise FileTransferError(f"{api_path}: folder not found")
        if answer.status >= 300:
            raise FileTransferError(f"{api_path}: listing failed with HTTP {answer.status}")
        listing = self._decode(answer, api_path)
        etag = answer.headers.get("ETag")
        if etag:
            self._folder_cache[api_path] = (etag, listing)
        else:
            self._folder_cache.pop(api_path, None)
        return listing

    async def async_list_files(self) -> list[RemoteFile]:
        """List every print file on every available storage, folders included.

        `RemoteFile.path` is the readable path (storage + long display names), `name` the
        printer's own name (an 8.3 name on Buddy), `download_ref` is `refs.download` verbatim.
        Buddy listings carry no size: `size` stays None there.
        """
        files: list[RemoteFile] = []
        for storage in await self.async_get_storage():
            path = storage.get("path")
            if not isinstance(path, str) or storage.get("available") is False:
                continue
            name = path.strip("/")
            if not name:
                continue
            await self._walk(f"/api/v1/files/{name}/", f"/{name}", name, files, 0)
        return files

    async def _walk(
        self, api_path: str, display: str, storage: str, out: list[RemoteFile], depth: int
    ) -> None:
        listing = await self._get_folder(api_path)
        children = listing.get("children")
        if not isinstance(children, list):
            return
        for child in children:
            if not isinstance(child, dict) or not isinstance(child.get("name"), str):
                continue
            name: str = child["name"]
            shown = child.get("display_name")
            shown = shown if isinstance(shown, str) and shown else name
            if child.get("type") == "FOLDER":
                if depth < _MAX_FOLDER_DEPTH:
                    sub = f"{api_path.rstrip('/')}/{name}"
                    await self._walk(sub, f"{display}/{shown}", storage, out, depth + 1)
                continue
            raw_refs = child.get("refs")
            refs: dict[str, Any] = raw_refs if isinstance(raw_refs, dict) else {}
            size = child.get("size")
            stamp = child.get("m_timestamp")
            modified = None
            if isinstance(stamp, int | float) and not isinstance(stamp, bool):
                with contextlib.suppress(OverflowError, OSError, ValueError):
                    modified = datetime.fromtimestamp(stamp, tz=UTC)
            download = refs.get("download")
            thumbnail = refs.get("thumbnail")
            if isinstance(download, str) and download:
                self._file_api_paths[download] = f"{api_path.rstrip('/')}/{name}"
            out.append(
                RemoteFile(
                    path=f"{display}/{shown}",
                    name=name,
                    size=size if isinstance(size, int) and not isinstance(size, bool) else None,
                    modified=modified,
                    storage=storage,
                    display_name=shown,
                    download_ref=download if isinstance(download, str) and download else None,
                    thumbnail_ref=thumbnail if isinstance(thumbnail, str) and thumbnail else None,
                    read_only=_is_true(child.get("ro")) or _is_true(child.get("read_only")),
                )
            )

    def files_path(self, ref: str | None) -> str | None:
        """`/<storage>/<printer names>` of a listed file by its download ref (for PUT/POST)."""
        api_path = self._file_api_paths.get(ref or "")
        return api_path.removeprefix("/api/v1/files") if api_path else None

    async def async_get_file_size(self, ref: str) -> int | None:
        """Size of a listed file from its `/api/v1/files` metadata (Buddy listings lack it).

        Needs an earlier `async_list_files` to know where the file's metadata lives; None
        when the file is unknown or the printer does not say.
        """
        api_path = self._file_api_paths.get(ref)
        if api_path is None:
            return None
        answer = await self._call("GET", api_path)
        if answer.status != 200:
            return None
        size = self._decode(answer, api_path).get("size")
        return size if isinstance(size, int) and not isinstance(size, bool) else None

    @contextlib.asynccontextmanager
    async def _stream(self, ref: str) -> AsyncIterator[aiohttp.ClientResponse]:
        """Open a file download in the transfer slot, with an idle timeout, not a total one.

        Print files take minutes over a busy printer's Wi-Fi; a total timeout would cut them,
        but a transfer that stalls for `download_idle_timeout` is given up. Polls and
        commands meanwhile use the request slot.
        """
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=self._timeout, sock_read=self._idle_timeout
        )
        async with self._transfers, contextlib.AsyncExitStack() as stack:
            try:
                async with asyncio.timeout(self._timeout):  # only until the headers arrive
                    response = await stack.enter_async_context(
                        self._open("GET", ref, headers={"Accept": "*/*"}, client_timeout=timeout)
                    )
            except TimeoutError as err:
                raise PrinterTimeoutError(f"GET {ref}: no answer in {self._timeout} s") from err
            except (aiohttp.ClientError, OSError) as err:
                raise PrinterConnectionError(f"GET {ref}: {err}") from err
            if response.status == 404:
                raise FileTransferError(f"{ref}: file not found")
            if response.status != 200:
                raise FileTransferError(f"{ref}: download failed with HTTP {response.status}")
            if response.content_type == "application/json":
                # /api/v1/files/... answers metadata JSON; the bytes live at refs.download
                raise FileTransferError(f"{ref}: the printer sent JSON, not the file bytes")
            try:
                yield response
            except (TimeoutError, aiohttp.ClientError, OSError) as err:
                raise FileTransferError(f"{ref}: transfer broke off: {err!r}") from err

    async def async_download_file(
        self,
        ref: str,
        dest: pathlib.Path,
        *,
        max_bytes: int | None = None,
        expected_size: int | None = None,
        on_block: OnBlock | None = None,
    ) -> int:
        """Download `ref` (a `refs.download` value) to `dest`; return the byte count.

        A short transfer (against Content-Length or `expected_size`) or one above `max_bytes`
        raises FileTransferError and removes `dest`. The file is written by one worker thread
        while the loop receives (`ThreadedFileWriter`), at most 8 MiB behind. `on_block`
        (optional) is called in that thread right after each piece of the file is written,
        one call at a time and in file order, so a caller can hash the file as it is written
        without reading it back; an exception from it aborts the download.
        """
        total = 0
        async with self._stream(ref) as response:
            announced = response.content_length
            if max_bytes is not None and announced is not None and announced > max_bytes:
                raise FileTransferError(f"{ref}: {announced} bytes exceed {max_bytes}")
            async with ThreadedFileWriter(dest, on_block=on_block) as writer:
                async for chunk in response.content.iter_any():
                    total += len(chunk)
                    if max_bytes is not None and total > max_bytes:
                        raise FileTransferError(f"{ref}: more than {max_bytes} bytes")
                    await writer.write(chunk)
                for expected in (announced, expected_size):
                    if expected is not None and total != expected:
                        raise FileTransferError(f"{ref}: got {total} of {expected} bytes")
        if announced is None and expected_size is None:
            # chunked answer and no size from the caller: ask the file's metadata
            try:
                size = await self.async_get_file_size(ref)
                if size is not None and size != total:
                    raise FileTransferError(f"{ref}: got {total} of {size} bytes")
            except BaseException:
                await asyncio.get_running_loop().run_in_executor(
                    None, functools.partial(dest.unlink, missing_ok=True)
                )
                raise
        return total

    async def async_get_thumbnail(self, ref: str) -> bytes | None:
        """Fetch a `refs.thumbnail` PNG; None when the file has no preview (404)."""
        answer = await self._call("GET", ref, headers={"Accept": "image/png, */*"})
        if answer.status in (204, 404):
            return None
        if answer.status != 200:
            raise FileTransferError(f"{ref}: thumbnail failed with HTTP {answer.status}")
        if len(answer.body) > _MAX_THUMBNAIL:
            raise FileTransferError(f"{ref}: thumbnail larger than {_MAX_THUMBNAIL} bytes")
        return answer.body

    async def async_camera_snapshot(self, camera_id: str) -> bytes | None:
        """The camera's last photo (JPEG) on the Raspberry Pi build; None when it has none.

        The Pi answers its stored photo (taken every 10-60 s by its trigger), 204 before the
        first one and 404 when the camera is gone; Buddy printers have no camera routes.
        A short request, like a thumbnail: the photo is small and the Pi has no slot limit.
        """
        if not camera_id.replace("-", "").replace("_", "").isalnum():
            raise PrinterError(f"unusable camera id {camera_id!r}")  # printer-supplied text
        path = f"/api/v1/cameras/{camera_id}/snap"
        answer = await self._call("GET", path, headers={"Accept": "image/jpeg, */*"})
        if answer.status in (204, 404):
            return None
        if answer.status != 200:
            raise PrinterConnectionError(f"{path}: camera answered HTTP {answer.status}")
        if len(answer.body) > _MAX_THUMBNAIL:
            raise FileTransferError(f"{path}: photo larger than {_MAX_THUMBNAIL} bytes")
        return answer.body

    async def async_read_metadata(self, ref: str, *, max_bytes: int | None = None) -> PrintMetadata:
        """Stream a print file through the metadata reader without storing it.

        Binary G-code stops at the first G-code block (a few KB of a multi-MB file); plain
        G-code is read to the end because PrusaSlicer writes its statistics last.
        `last_metadata_bytes` tells how much was read.
        """
        reader = StreamingMetadataReader()
        self.last_metadata_bytes = 0
        async with self._stream(ref) as response:
            async for chunk in response.content.iter_chunked(_CHUNK):
                reader.feed(chunk)
                self.last_metadata_bytes = reader.bytes_read
                if reader.done:
                    break  # closing the response drops the rest of the file
                if max_bytes is not None and reader.bytes_read > max_bytes:
                    raise FileTransferError(f"{ref}: no metadata within {max_bytes} bytes")
        # the result may decode a QOI thumbnail: not in the event loop
        return await asyncio.get_running_loop().run_in_executor(None, reader.result)


async def _file_body(
    source: pathlib.Path, size: int, on_progress: OnProgress | None
) -> AsyncGenerator[bytes]:
    """The file in blocks read in the executor (never all of it in memory), with progress."""
    loop = asyncio.get_running_loop()
    handle = await loop.run_in_executor(None, source.open, "rb")
    sent = 0
    try:
        while block := await loop.run_in_executor(None, handle.read, _UPLOAD_BLOCK):
            sent += len(block)
            yield block
            if on_progress is not None:
                on_progress(sent, size)
    finally:
        await loop.run_in_executor(None, handle.close)
