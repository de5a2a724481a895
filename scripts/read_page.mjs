// Read a rendered HTML page the way a reviewer's browser does: headless Chromium driven by
// puppeteer-core (pinned in package.json), no network. Prints one JSON object to stdout:
//   {console: [{type, text}], pageErrors: [text], requests: [url], text, screenshot}
// `text` is document.body.innerText after the page settled, with every collapsed part of
// the page expanded by the page itself (see PAGE_OPTIONS in build_docs.py), so what it
// holds is what a reader sees. The screenshot clips the element `--clip` names.
//
// Usage: node scripts/read_page.mjs --chromium PATH --page FILE --screenshot OUT [--clip CSS]
import { parseArgs } from "node:util";
import puppeteer from "puppeteer-core";

const { values } = parseArgs({
  options: {
    chromium: { type: "string" },
    page: { type: "string" },
    screenshot: { type: "string" },
    clip: { type: "string" },
    width: { type: "string", default: "1800" },
  },
});

const browser = await puppeteer.launch({
  executablePath: values.chromium,
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    // every host name resolves to nowhere: a page that needs the network shows it
    "--host-resolver-rules=MAP * ~NOTFOUND",
  ],
});
const result = { console: [], pageErrors: [], requests: [], text: "", screenshot: null };
try {
  const page = await browser.newPage();
  await page.setViewport({ width: Number(values.width), height: 1200 });
  page.on("console", (message) => {
    result.console.push({ type: message.type(), text: message.text() });
  });
  page.on("pageerror", (error) => result.pageErrors.push(String(error.message || error)));
  page.on("request", (request) => {
    if (!request.url().startsWith("file:") && !request.url().startsWith("data:")) {
      result.requests.push(request.url());
    }
  });
  await page.goto(new URL(`file://${values.page}`).href, { waitUntil: "load", timeout: 60000 });
  // Let hydration and the first effects run (React reports mismatches after load).
  await new Promise((resolve) => setTimeout(resolve, 1500));
  result.text = await page.evaluate(() => document.body.innerText);
  if (values.screenshot) {
    const element = values.clip ? await page.$(values.clip) : null;
    if (element) {
      await element.screenshot({ path: values.screenshot });
    } else {
      await page.screenshot({ path: values.screenshot, fullPage: false });
    }
    result.screenshot = values.screenshot;
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(result));
