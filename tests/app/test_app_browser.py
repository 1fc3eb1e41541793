"""The web app in a real browser: Debian's chromium driven by Playwright.

The app serves the tests' tiny Pengi on a free loopback port; the browser
uploads clips, clicks the task buttons and reads the page. Every request
the page makes is recorded, and any to a host other than the loopback is
refused and fails the test (the page must work offline); so is any
connection or name lookup the server process itself makes beyond the
loopback (analytics, version checks) while the app starts and serves.

Needs the ``app`` extra and ``/usr/bin/chromium`` (``bash
scripts/setup_app.sh`` installs both). ``PENGI_APP_SCREENSHOT=docs/app.png``
also writes the page's screenshot there (the README's picture).
"""

import os
import re
import socket
from urllib.parse import urljoin, urlparse

import pytest

gr = pytest.importorskip("gradio", reason='pip install "pengi-sb[app]"')
sync_api = pytest.importorskip("playwright.sync_api",
                               reason='pip install "pengi-sb[app]"')

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-quic", "--no-first-run",
                 "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
WAIT_MS = 30000  # a loaded 2-core machine answers slowly
LABELS = ["dog barking", "rain", "car horn"]

# under CI=true a missing chromium fails these tests instead of skipping them
pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM)
    and os.environ.get("CI", "").lower() != "true",
    reason="no /usr/bin/chromium: bash scripts/setup_app.sh installs it")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server_outbound():
    """Non-loopback connections and name lookups of this process, refused
    and listed while the fixture lives."""
    seen = []
    connect, getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def guarded_connect(sock, address):
        if isinstance(address, tuple) and address[0] not in LOOPBACK:
            seen.append(address)
            raise OSError(f"the test refuses a connection to {address}")
        return connect(sock, address)

    def guarded_getaddrinfo(host, *args, **kwargs):
        if host not in LOOPBACK | {None, "0.0.0.0", "::"}:
            seen.append(host)
            raise socket.gaierror(f"the test refuses to look up {host}")
        return getaddrinfo(host, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", guarded_connect)
        patch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
        yield seen


@pytest.fixture(scope="module")
def app_url(pengi, model_folder, clip_folder, tmp_path_factory,
            server_outbound):
    from pengi_sb.app.launch import create_app, serve

    demo = create_app(pengi, str(clip_folder),
                      str(tmp_path_factory.mktemp("search_cache")),
                      model_folder)
    url = serve(demo, "127.0.0.1", _free_port(), block=False)
    yield url
    demo.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM,
                                     args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, app_url):
    """A page on the app; ``page.outside`` lists refused non-loopback
    requests."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.outside = []

    def route(request_route):
        url = request_route.request.url
        host = urlparse(url).hostname
        if url.startswith(("blob:", "data:")) or host in LOOPBACK:
            request_route.continue_()
        else:
            page.outside.append(url)
            request_route.abort()

    context.route("**/*", route)
    sync_api.expect.set_options(timeout=WAIT_MS)
    page.goto(app_url, wait_until="networkidle")
    yield page
    context.close()


def _upload(page, path):
    """Clears the audio input if it holds a clip, then uploads ``path``."""
    clear = page.locator("#audio-input button[aria-label='Clear']")
    if clear.count():
        clear.first.click()
    page.locator("#audio-input input[type=file]").set_input_files(path)


def _status(page):
    return page.locator("#status-box")


def test_caption_classify_and_a_corrupt_file(page, pengi, clip_folder,
                                             corrupt_file, tmp_path,
                                             server_outbound):
    """Caption equals ``Pengi.caption_file``; classification shows the
    ranking and the chart; a corrupt file gives a message and the page
    still captions afterwards; nothing is fetched from the internet."""
    expect = sync_api.expect
    clip = str(clip_folder / "beep.wav")
    caption = pengi.caption_file(clip).text
    ranked = pengi.classify_file(clip, LABELS).labels

    _upload(page, clip)
    expect(_status(page)).to_contain_text("Audio loaded.")
    expect(page.locator("#audio-view img")).to_be_visible()

    page.click("#caption-button")
    expect(page.locator("#caption-output textarea")).to_have_value(caption)

    page.get_by_role("tab", name="Classify").click()
    page.fill("#labels-input textarea", "\n".join(LABELS))
    page.click("#classify-button")
    rows = page.locator("#ranking table tbody tr")
    expect(rows).to_have_count(3)
    shown = [rows.nth(i).locator("td").nth(1).inner_text() for i in range(3)]
    assert shown == ranked
    expect(page.locator("#label-chart img")).to_be_visible()
    _screenshot(page, tmp_path)

    _upload(page, corrupt_file)
    expect(_status(page)).to_contain_text(
        "Error while loading the audio: audio file corrupt.wav cannot be "
        "decoded")
    page.get_by_role("tab", name="Caption").click()
    page.click("#caption-button")
    expect(_status(page)).to_contain_text(
        "Error while captioning: audio file corrupt.wav cannot be decoded")
    expect(page.locator("#caption-output textarea")).to_have_value("")
    assert "Traceback" not in page.content()

    page.locator("#audio-input button[aria-label='Clear']").first.click()
    expect(_status(page)).to_contain_text("No audio: upload a file")
    _upload(page, clip)  # the page keeps working
    expect(_status(page)).to_contain_text("Audio loaded.")
    page.click("#caption-button")
    expect(page.locator("#caption-output textarea")).to_have_value(caption)
    assert page.outside == []
    assert server_outbound == []


def test_search_a_folder_by_text(page, pengi, clip_folder, server_outbound):
    """The search tab embeds the folder (cached), ranks its files as
    ``Pengi.retrieve`` does and offers a player per result."""
    expect = sync_api.expect
    files = sorted(str(p) for p in clip_folder.rglob("*")
                   if p.suffix in (".wav", ".flac"))
    query = "a high whistle"
    order = pengi.retrieve([query], files)["text_to_audio"][0]
    best = [os.path.relpath(files[i], clip_folder) for i in order]

    page.get_by_role("tab", name="Search a folder").click()
    expect(page.locator("#search-folder textarea, #search-folder input")
           ).to_have_value(str(clip_folder))
    page.fill("#search-query input, #search-query textarea", query)
    page.click("#search-button")
    rows = page.locator("#search-results table tbody tr")
    expect(rows).to_have_count(3)
    assert [rows.nth(i).locator("td").nth(1).inner_text()
            for i in range(3)] == best
    expect(page.locator("#index-summary")).to_contain_text("3 files indexed")
    expect(page.get_by_text(f"1. {best[0]}")).to_be_visible()
    assert page.outside == []
    assert server_outbound == []


def test_timeline_tab(page, pengi, clip_folder, server_outbound):
    """The timeline tab shows ``Pengi.timeline_file``'s segments as table
    rows, the figure and the three downloads; classify without labels is a
    message."""
    from pengi_sb.inference.timeline_formats import from_srt

    expect = sync_api.expect
    clip = str(clip_folder / "beep.wav")
    segments = pengi.timeline_file(clip, task="caption")

    _upload(page, clip)
    expect(_status(page)).to_contain_text("Audio loaded.")
    page.get_by_role("tab", name="Timeline").click()
    page.click("#timeline-button")
    rows = page.locator("#timeline-table table tbody tr")
    expect(rows).to_have_count(len(segments))
    assert [rows.nth(i).locator("td").nth(3).inner_text()
            for i in range(len(segments))] == [s.text or "–"
                                                for s in segments]
    expect(page.locator("#timeline-plot img")).to_be_visible()
    files = page.locator("#timeline-files tbody tr")
    expect(files).to_contain_text(  # Gradio shows "beep .srt"
        [re.compile(rf"beep\s*\.{ext}") for ext in ("srt", "vtt", "csv")])
    link = files.first.locator("a").first.get_attribute("href")
    srt = page.request.get(urljoin(page.url, link)).text()
    assert [(s.start, s.end, s.text) for s in from_srt(srt)] == [
        (round(s.start, 3), round(s.end, 3), s.text) for s in segments]

    page.locator("#timeline-task").get_by_text("classify").click()
    page.click("#timeline-button")
    expect(_status(page)).to_contain_text(
        "Error while making the timeline: Give at least two labels")
    assert page.outside == []
    assert server_outbound == []


def _screenshot(page, tmp_path):
    """The page as a PNG; written to $PENGI_APP_SCREENSHOT when set, in 256
    colours (a quarter of the size)."""
    from PIL import Image

    path = tmp_path / "app.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10000
    target = os.environ.get("PENGI_APP_SCREENSHOT")
    if target:
        with Image.open(path) as image:
            image.convert("RGB").quantize(colors=256).save(target,
                                                           optimize=True)
