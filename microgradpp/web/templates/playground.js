// The playground: Python (Pyodide) runs microgradpp; Graphviz (WebAssembly) draws its pictures.
// Nothing is fetched from the network. In the single file every package is inlined below the page
// as base64, in a script element of type application/octet-stream whose data-asset names it; in
// the folder the same names are read from assets/ beside the page.
const DATA = JSON.parse(document.getElementById("playground-data").textContent);
const $ = (id) => document.getElementById(id);

let lang = DATA.lang;
let runPython = null; // microgradpp.web.runner.run, once Python is ready
let busy = false;

// ---- Words: every sentence from the catalogs, in the chosen language -------------------------
function say(key, fields = {}) {
  const template = DATA.texts[lang][key] ?? DATA.texts.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => String(fields[name] ?? ""));
}

function translatePage() {
  document.documentElement.lang = lang;
  document.title = say("web.title");
  for (const element of document.querySelectorAll("[data-text]")) {
    element.textContent = say(element.dataset.text);
  }
  const chosen = $("example").value;
  $("example").replaceChildren(
    ...DATA.examples.map((example) => new Option(say(`web.example.${example.name}`), example.name)),
  );
  if (chosen) $("example").value = chosen;
}

// ---- Files: inlined in the page, or beside it ----------------------------------------------------
const realFetch = globalThis.fetch.bind(globalThis);
const assetCache = new Map();

function fromBase64(text) {
  if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function asset(name) {
  if (!assetCache.has(name)) {
    assetCache.set(name, (async () => {
      const tag = document.querySelector(`script[data-asset="${name}"]`);
      if (tag) {
        const bytes = fromBase64(tag.textContent);
        tag.remove(); // the text is no longer needed: free it
        return bytes;
      }
      const response = await realFetch(new URL(`assets/${name}`, document.baseURI));
      if (!response.ok) throw new Error(`assets/${name}: ${response.status}`);
      return new Uint8Array(await response.arrayBuffer());
    })());
  }
  return assetCache.get(name);
}

// Pyodide asks fetch() for its WebAssembly and its standard library: answer from the assets, and
// refuse every other address, so that nothing can reach the network unnoticed.
const SERVED = ["pyodide.asm.wasm", "python_stdlib.zip"];
globalThis.fetch = async (input, init) => {
  const url = String(input instanceof Request ? input.url : input);
  const name = SERVED.find((served) => url.endsWith(`/${served}`));
  if (name) {
    const type = name.endsWith(".wasm") ? "application/wasm" : "application/zip";
    return new Response(await asset(name), { headers: { "Content-Type": type } });
  }
  if (url.startsWith("blob:") || url.startsWith("data:")) return realFetch(input, init);
  throw new TypeError(`the playground fetches nothing from the network (asked for ${url})`);
};

async function importModule(name) {
  const blob = new Blob([await asset(name)], { type: "text/javascript" });
  return import(URL.createObjectURL(blob));
}

// ---- Start: Graphviz, then Python, then microgradpp ------------------------------------------
async function start() {
  status(say("web.loading"));
  const { Graphviz } = await importModule("graphviz.js");
  const graphviz = await Graphviz.load();
  // viz.dot's run_dot calls this in the browser (one graph per call; it splits a page's frames)
  globalThis.microgradppDot = (source, format) => graphviz.layout(source, format, "dot");
  const { loadPyodide } = await importModule("pyodide.mjs");
  const createPyodideModule = (await importModule("pyodide.asm.mjs")).default;
  const lock = JSON.parse(new TextDecoder().decode(await asset(DATA.assets.lock)));
  const pyodide = await loadPyodide({
    indexURL: new URL("pyodide/", document.baseURI).href, // only a name: fetch() answers
    createPyodideModule,
    lockFileContents: lock,
  });
  const sitePackages = pyodide.runPython("import sysconfig; sysconfig.get_path('purelib')");
  for (const name of [DATA.assets.wheel, DATA.assets.package]) {
    pyodide.unpackArchive(await asset(name), "zip", { extractDir: sitePackages });
  }
  runPython = pyodide.pyimport("microgradpp.web.runner").run;
  const seconds = ((performance.now()) / 1000).toFixed(1);
  document.documentElement.dataset.pythonReady = String(Math.round(performance.now()));
  status(say("web.ready", { seconds }));
  $("run").disabled = false;
  run();
}

// ---- Run ---------------------------------------------------------------------------------
function status(text) {
  $("status").textContent = text;
}

function run() {
  if (!runPython || busy) return;
  busy = true;
  $("run").disabled = true;
  status(say("web.running"));
  // let the browser paint "running" before Python takes the thread
  setTimeout(() => {
    try {
      const proxy = runPython($("editor").value, lang);
      const result = proxy.toJs({ dict_converter: Object.fromEntries });
      proxy.destroy();
      status(say("web.done"));
      show(result); // (says when the first picture came, once)
    } catch (error) {
      $("output").textContent = String(error);
      status(say("web.failed"));
    } finally {
      busy = false;
      $("run").disabled = false;
    }
  }, 20);
}

function show(result) {
  const output = $("output");
  output.textContent = result.output;
  if (result.error) {
    const error = document.createElement("span");
    error.className = "error";
    error.textContent = result.error;
    output.append(error);
  }
  for (const problem of result.problems ?? []) output.append(`\n${problem}`);
  for (const name of ["forward", "backward"]) {
    const svg = result[name] ?? "";
    $(`panel-${name}`).innerHTML = svg.slice(Math.max(0, svg.indexOf("<svg")));
  }
  $("panel-steps").srcdoc = result.steps ?? "";
  $("panel-exercise").srcdoc = result.exercise ?? "";
  if (result.forward && !document.documentElement.dataset.firstPicture) {
    document.documentElement.dataset.firstPicture = String(Math.round(performance.now()));
    status(say("web.first_picture", { seconds: (performance.now() / 1000).toFixed(1) }));
  }
  const example = DATA.examples.find((one) => one.name === $("example").value);
  openTab(result.shown ? (example?.opens ?? "backward") : null);
}

function openTab(name) {
  for (const tab of document.querySelectorAll("[data-tab]")) {
    tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  }
  for (const panel of document.querySelectorAll(".panel")) panel.classList.remove("shown");
  $(name ? `panel-${name}` : "nothing").classList.add("shown");
}

// ---- The controls ----------------------------------------------------------------------------
function loadExample(name) {
  const example = DATA.examples.find((one) => one.name === name) ?? DATA.examples[0];
  $("example").value = example.name;
  $("editor").value = example.code;
}

$("language").replaceChildren(
  ...DATA.languages.map((code) => new Option(DATA.texts[code]["web.language_name"], code)),
);
$("language").value = lang;
$("language").addEventListener("change", () => {
  lang = $("language").value;
  translatePage();
  run(); // the pictures and pages in the new language
});
$("example").addEventListener("change", () => {
  loadExample($("example").value);
  run();
});
$("run").addEventListener("click", run);
$("wide").addEventListener("click", () => {
  const wide = document.querySelector("main").classList.toggle("wide");
  $("wide").setAttribute("aria-pressed", String(wide));
});
$("editor").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    run();
  } else if (event.key === "Tab" && !event.shiftKey) {
    event.preventDefault(); // four spaces, as Python is written
    event.target.setRangeText("    ", event.target.selectionStart, event.target.selectionEnd, "end");
  }
});
for (const tab of document.querySelectorAll("[data-tab]")) {
  tab.addEventListener("click", () => openTab(tab.dataset.tab));
}
translatePage();
loadExample(DATA.examples[0].name);
openTab("backward");
start().catch((error) => {
  status(say("web.failed"));
  $("output").textContent = `${say("web.failed")}\n${error?.stack ?? error}`;
});
