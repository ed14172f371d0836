"""A person approving a CLI login in a real browser (headless Chromium through chromedriver):
`approve-cli-login.py LOGIN_URL EMAIL [SCREENSHOT.png]` opens the link the CLI printed, signs in
on the local sign-in page it is sent to, presses Approve and prints {"code": ...} as JSON."""
import json
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

link, email = sys.argv[1:3]
options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=900,700"):
    options.add_argument(argument)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_page_load_timeout(60)
try:
    driver.get(link)
    # Not signed in: the sign-in page, which comes back to the link.
    assert "/dev/sign-in" in driver.current_url, driver.current_url
    driver.find_element(By.NAME, "email").send_keys(email)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 90).until(lambda d: "/cli/login" in d.current_url and d.find_elements(By.ID, "approve"))
    assert "Approve" in driver.page_source, driver.page_source
    driver.find_element(By.ID, "approve").click()
    # A click submits the form but does not wait for the answer: on a loaded machine the old page
    # is still there for a while. Wait for the code (the approval is done once, so no retry can).
    try:
        WebDriverWait(driver, 90).until(expected_conditions.presence_of_element_located((By.ID, "code")))
    except Exception:
        raise SystemExit("no code after approving; the page at %s said: %s" % (driver.current_url, driver.find_element(By.TAG_NAME, "body").text))
    code = driver.find_element(By.ID, "code").text.strip()
    if len(sys.argv) > 3:
        driver.save_screenshot(sys.argv[3])
    print(json.dumps({"code": code}))
finally:
    driver.quit()
