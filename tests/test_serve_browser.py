"""The page of `subsidy serve` in a real headless Chromium (Debian's chromium and chromium-driver,
driven by selenium; never a downloaded browser). SUBSIDY_SCREENSHOT=docs/serve.png keeps the
screenshot for the README."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from .conftest import EXAMPLES, ROOT
from .serving import Server

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM.exists() and DRIVER.exists()),
                                reason="no Chromium: `apt-get install chromium chromium-driver` (.ci/run does)")


@pytest.fixture(scope="module")
def server():
    running = Server("--workers", "1")
    yield running
    running.stop()


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tempfile.mkdtemp(prefix="chromium-", dir=tmp_path)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,1000", "--lang=zh-CN", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(tmp_path),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(executable_path=str(DRIVER)), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def wait(driver, condition, seconds: float = 60):
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, seconds).until(condition)


def open_page(browser, server) -> None:
    browser.get(server.url)
    wait(browser, lambda d: d.execute_script("return document.body.dataset.ready === '1'"))


def load_example(browser) -> None:
    from selenium.webdriver.common.by import By
    browser.find_element(By.ID, "load-profile").send_keys(str(EXAMPLES / "pinggu-2025.yaml"))
    wait(browser, lambda d: "pinggu-2025.yaml" in d.find_element(By.ID, "file-note").text)


def field(browser, path: str):
    from selenium.webdriver.common.by import By
    return browser.find_element(By.CSS_SELECTOR, f'[data-field="{path}"]')


def test_the_pinggu_example_on_the_page(browser, server, tmp_path, capsys):
    from selenium.webdriver.common.by import By
    open_page(browser, server)
    # the page load as the browser measured it (Navigation Timing): reported, never asserted
    timing = browser.execute_script("const n = performance.getEntriesByType('navigation')[0];"
                                    "return [n.domContentLoadedEventEnd, n.loadEventEnd, n.transferSize];")
    with capsys.disabled():
        print(f"\npage load: DOMContentLoaded {timing[0]:.0f} ms, load {timing[1]:.0f} ms, {timing[2]} bytes")
    load_example(browser)
    name = field(browser, "profile.enterprise")  # typed by hand, as a user would
    name.clear()
    name.send_keys("平谷某汽车零部件制造企业（网页）")
    output = field(browser, "profile.facts.industrial_output.2025")
    assert output.get_attribute("value") == "2.05亿"
    output.clear()
    output.send_keys("2.05亿")
    browser.find_element(By.ID, "submit").click()
    wait(browser, lambda d: d.find_element(By.ID, "plan").is_displayed())
    # the README's known total for the example: 255,000 computed + 1,500,000 discretionary
    assert browser.find_element(By.ID, "total").text == "1,755,000 元"
    assert browser.find_element(By.ID, "computed").text == "255,000 元"
    assert browser.find_element(By.ID, "discretionary").text == "1,500,000 元"
    table = browser.find_element(By.ID, "payments").text
    for article in ("第三条", "第五条", "第六条", "第七条", "第十二条"):
        assert article in table
    assert "按全年产值增量的0.5%给予支持" in table  # 第三条 in its own words
    assert "已证明最优" in browser.find_element(By.ID, "status").text
    shot = tmp_path / "serve.png"
    browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("SUBSIDY_SCREENSHOT"):
        shutil.copyfile(shot, ROOT / os.environ["SUBSIDY_SCREENSHOT"])
    # the plan downloads as the API's JSON; the form saves as a profile the engine reads again
    browser.find_element(By.ID, "download-json").click()
    wait(browser, lambda d: (tmp_path / "plan.json").exists() and (tmp_path / "plan.json").stat().st_size > 0)
    assert json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))["total"] == 1755000
    # and as the Excel workbook the tabular writer makes: the payments sheet's 合计 row is the total
    browser.find_element(By.ID, "download-xlsx").click()
    wait(browser, lambda d: (tmp_path / "plan.xlsx").exists() and (tmp_path / "plan.xlsx").stat().st_size > 0)
    import openpyxl
    sheet = openpyxl.load_workbook(tmp_path / "plan.xlsx")["支付明细 payments"]
    *payments, total = sheet.iter_rows(min_row=2, values_only=True)
    assert total[0] == "合计" and total[6] == 1755000 and sum(r[6] for r in payments) == 1755000
    browser.find_element(By.ID, "download-csv").click()
    wait(browser, lambda d: (tmp_path / "plan.csv").exists() and (tmp_path / "plan.csv").stat().st_size > 0)
    assert (tmp_path / "plan.csv").read_bytes().startswith("\ufeff年度".encode("utf-8"))  # Excel's BOM
    browser.find_element(By.ID, "save-profile").click()
    wait(browser, lambda d: (tmp_path / "profile.json").exists() and (tmp_path / "profile.json").stat().st_size > 0)
    saved = json.loads((tmp_path / "profile.json").read_text(encoding="utf-8"))
    assert saved["enterprise"] == "平谷某汽车零部件制造企业（网页）"
    status, plan = server.post("/api/optimize", {"profile": saved})
    assert status == 200 and plan["total"] == 1755000


def test_a_bad_value_is_shown_at_its_field(browser, server):
    from selenium.webdriver.common.by import By
    open_page(browser, server)
    load_example(browser)
    output = field(browser, "profile.facts.industrial_output.2025")
    output.clear()
    output.send_keys("两亿")
    browser.find_element(By.ID, "submit").click()
    wait(browser, lambda d: d.find_element(By.ID, "errors").is_displayed())
    errors = browser.find_element(By.ID, "error-list").text
    assert "error[E213]" in errors and "profile.facts.industrial_output.2025" in errors and "两亿" in errors
    assert "invalid" in field(browser, "profile.facts.industrial_output.2025").get_attribute("class")
    assert not browser.find_element(By.ID, "plan").is_displayed()
