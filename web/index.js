// The page: reads the input box (or ?q=), runs model.js, shows output, fields, time and attention.
// The default engine needs only model/metadata.json and model/step_weights.{json,bin} (no TensorFlow.js).
// window.porting.decodeBatch(texts) is the same inference for tests and the benchmark.
import { LearnedFunction, parsedFields, predictedError } from './model.js';

const $ = (id) => document.getElementById(id);

function showMessage(text) { $('message').textContent = text || ''; }

function printable(byte) {
  return byte >= 0x21 && byte < 0x7f ? String.fromCharCode(byte) : byte === 0x20 ? '␠' : '·';
}

function drawHeatmap(result) {
  const canvas = $('heatmap');
  const cell = 10;
  const inputBytes = [...new TextEncoder().encode(result.input)].map(printable).concat(['⏎']);
  const outputBytes = result.ids.map((id) => (id >= 3 ? printable(id - 3) : '⏎'));
  const margin = 14;
  canvas.width = margin + inputBytes.length * cell;
  canvas.height = margin + outputBytes.length * cell;
  const context = canvas.getContext('2d');
  context.clearRect(0, 0, canvas.width, canvas.height);
  context.font = '9px monospace';
  context.fillStyle = '#000';
  inputBytes.forEach((label, column) => context.fillText(label, margin + column * cell + 2, 10));
  outputBytes.forEach((label, row) => context.fillText(label, 2, margin + row * cell + 9));
  result.attention.forEach((weights, row) => weights.forEach((weight, column) => {
    const shade = Math.round(255 * (1 - weight));
    context.fillStyle = `rgb(${shade},${shade},255)`;
    context.fillRect(margin + column * cell, margin + row * cell, cell - 1, cell - 1);
  }));
}

function showFields(result, names) {
  const fields = parsedFields(result.text, names);
  const body = $('fields').querySelector('tbody');
  body.replaceChildren();
  $('fields').hidden = !fields;
  for (const [name, value] of fields || []) {
    const row = body.insertRow();
    row.insertCell().textContent = name;
    row.insertCell().textContent = JSON.stringify(value);
  }
}

async function parse(learned, text) {
  const result$ = $('result');
  result$.dataset.state = 'running';
  showMessage('');
  const problem = learned.problem(text);
  if (problem) {
    showMessage(problem);
    result$.textContent = '';
    result$.dataset.state = 'refused';
    return;
  }
  if (/[^\u0000-\u007f]/.test(text)) showMessage('Note: the input is not ASCII; the model saw few such inputs, so check the output.');
  const started = performance.now();
  const [result] = await learned.run([text]);
  const milliseconds = performance.now() - started;
  result$.textContent = result.text === null ? '' : result.text;
  result$.dataset.ids = JSON.stringify(result.ids);
  result$.dataset.score = String(result.score);
  if (result.text === null) showMessage(`${$('message').textContent} The model did not finish a valid output for this input (no END, or invalid UTF-8).`.trim());
  const raised = predictedError(result.text);
  if (raised) showMessage(`${$('message').textContent} The model predicts that the real function raises ${raised} for this input.`.trim());
  $('timing').textContent = `${milliseconds.toFixed(1)} ms for ${result.ids.length} output bytes (${engineName(learned)}); confidence ${result.score.toFixed(3)}`;
  showFields(result, learned.metadata.output_fields);
  drawHeatmap(result);
  result$.dataset.state = 'done';
}

function engineName(learned) {
  return learned.engine === 'graph' ? `TensorFlow.js graph, ${tf.getBackend()} backend` : 'step decoder in JavaScript';
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = Object.assign(document.createElement('script'), { src });
    script.onload = resolve;
    script.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(script);
  });
}

async function main() {
  const parameters = new URLSearchParams(location.search);
  const engine = parameters.get('engine') || 'step'; // ?engine=step|graph (model.js)
  if (engine === 'graph') { // only this engine needs TensorFlow.js (vendor/, helpers.web.build_site)
    for (const script of ['vendor/tf.min.js', 'vendor/tf-backend-wasm.min.js']) await loadScript(script);
    const wanted = parameters.get('backend') || 'wasm'; // ?backend=cpu|webgl|wasm
    try {
      tf.wasm.setWasmPaths(new URL('vendor/', document.baseURI).href);
      if (!(await tf.setBackend(wanted))) await tf.setBackend('cpu');
    } catch (error) {
      await tf.setBackend('cpu');
    }
    await tf.ready();
  }
  const learned = await LearnedFunction.load('model/', engine);
  $('about').textContent = `Task: ${learned.metadata.task}; ${engineName(learned)}; inputs up to ${learned.metadata.max_input_bytes} bytes.`;
  window.porting = { learned, decodeBatch: (texts) => learned.run(texts) };
  $('run').disabled = false;
  $('form').addEventListener('submit', (event) => {
    event.preventDefault();
    parse(learned, $('input').value).catch((error) => { showMessage(`Error: ${error.message}`); $('result').dataset.state = 'error'; });
  });
  const query = new URLSearchParams(location.search).get('q');
  $('result').dataset.state = 'ready';
  if (query !== null) {
    $('input').value = query;
    await parse(learned, query);
  }
}

main().catch((error) => {
  showMessage(`The model could not be loaded: ${error.message}`);
  $('result').dataset.state = 'error';
});
