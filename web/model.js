// Inference only: text -> UTF-8 bytes -> ids -> a decoder -> ids -> text. Two engines, same outputs:
//   'step' (default): StepDecoder below, the greedy decoder in plain JavaScript over the arrays of
//          step_weights.bin, one input at a time (tfjs' per-op cost in while loops dominated: measured
//          ~150-400 ms per URL with the graph, see README);
//   'graph': the exported in-graph decoder (model.json), run by TensorFlow.js with executeAsync.
// Every constant (special ids, byte offset, lengths, field names, which output terms the model has,
// whether it writes its outputs last byte first) comes from model/metadata.json and every array from
// the export (`python -m helpers export`).
// Only the 'graph' engine needs the global `tf` (vendor/tf.min.js, loaded by index.js for it) and the
// converter's model.json; the 'step' engine's arrays are written by numpy (helpers.export.save_web_model).

export const ENGINES = ['step', 'graph'];

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load ${url}: ${response.status}`);
  return response;
}

export class LearnedFunction {
  constructor(metadata, { graphModel = null, stepDecoder = null } = {}) {
    this.metadata = metadata; // vocabulary, special ids, maximum lengths, output field names
    this.graphModel = graphModel; // tf.GraphModel of the decode_ids signature (while loops: executeAsync)
    this.stepDecoder = stepDecoder; // StepDecoder
    this.engine = stepDecoder ? 'step' : 'graph';
  }

  static async load(baseUrl, engine = 'step') {
    if (!ENGINES.includes(engine)) throw new Error(`unknown engine ${engine}; known: ${ENGINES.join(', ')}`);
    const metadata = await (await fetchOk(`${baseUrl}metadata.json`)).json();
    if (engine === 'graph') return new LearnedFunction(metadata, { graphModel: await tf.loadGraphModel(`${baseUrl}model.json`) });
    return new LearnedFunction(metadata, { stepDecoder: await StepDecoder.load(baseUrl, metadata) });
  }

  // A message when the model cannot take `text`, else null.
  problem(text) {
    if (text.length === 0) return 'The input is empty: type a URL.';
    const bytes = new TextEncoder().encode(text).length;
    const limit = this.metadata.max_input_bytes;
    if (bytes > limit) return `The input is ${bytes} UTF-8 bytes long; the model takes at most ${limit}.`;
    // tab, CR and LF are learnt (urlparse deletes them); other control characters were never shown
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) return 'The input contains control characters (other than tab, CR and LF); the model was never shown them.';
    return null;
  }

  // texts: n strings -> encoder ids (n, time): bytes + byte_offset, end_id, then pad_id up to a
  // multiple of input_bucket (the padding the Python decoder uses).
  encode(texts) {
    const m = this.metadata;
    const rows = texts.map((text) => [...new TextEncoder().encode(text)].map((byte) => byte + m.byte_offset).concat([m.end_id]));
    const longest = Math.max(1, ...rows.map((row) => row.length));
    const width = Math.ceil(longest / m.input_bucket) * m.input_bucket;
    const ids = new Int32Array(texts.length * width).fill(m.pad_id);
    rows.forEach((row, index) => ids.set(row, index * width));
    return tf.tensor2d(ids, [texts.length, width], 'int32');
  }

  // One row of output ids -> {text (null unless END was written and the bytes are UTF-8), complete, bytes}.
  decodeRow(ids) {
    const m = this.metadata;
    const bytes = [];
    let complete = false;
    for (const id of ids) {
      if (id === m.end_id) { complete = true; break; }
      if (id >= m.byte_offset) bytes.push(id - m.byte_offset);
    }
    let text = null;
    if (complete) {
      try { text = new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes)); } catch (error) { text = null; }
    }
    return { text, complete, bytes };
  }

  // texts: n strings the model accepts -> n results {input, text, complete, score, ids, attention};
  // attention is (output steps, input ids) for that row.
  async run(texts) {
    if (this.stepDecoder) return texts.map((input) => this.runStep(input));
    const encoderIds = this.encode(texts);
    const width = encoderIds.shape[1];
    let outputs;
    try {
      outputs = await this.graphModel.executeAsync({ encoder_ids: encoderIds });
    } finally {
      encoderIds.dispose();
    }
    if (Array.isArray(outputs)) {
      // The converter's output order and names do not follow the signature; the three outputs
      // differ in rank: ids (batch, steps) int32, scores (batch,), attention (batch, steps, time).
      outputs = Object.fromEntries(outputs.map((tensor) => [{ 1: 'scores', 2: 'ids', 3: 'attention' }[tensor.rank], tensor]));
    }
    const [ids, scores, attention] = await Promise.all([outputs.ids.array(), outputs.scores.data(), outputs.attention.array()]);
    Object.values(outputs).forEach((tensor) => tensor.dispose());
    return texts.map((input, row) => {
      const decoded = this.decodeRow(ids[row]);
      const inputLength = new TextEncoder().encode(input).length + 1;
      const steps = ids[row].filter((id) => id !== this.metadata.pad_id).length;
      return {
        input, ...decoded, score: scores[row], ids: ids[row].slice(0, steps), width,
        attention: attention[row].slice(0, steps).map((weights) => weights.slice(0, inputLength)),
      };
    });
  }

  // One input with the step engine; the same result fields as run().
  runStep(input) {
    const m = this.metadata;
    const ids = Int32Array.from([...new TextEncoder().encode(input)].map((byte) => byte + m.byte_offset).concat([m.end_id]));
    const decoded = this.stepDecoder.decode(ids);
    return { input, ...this.decodeRow(decoded.ids), score: decoded.score, ids: decoded.ids, width: ids.length, attention: decoded.attention };
  }
}

// ----- StepDecoder: the exported network as plain loops over Float32Arrays ----------------------
// For one input there is no batch to amortise tfjs' cost per op, and a step is small (~160k
// multiply-adds for 128 units), so plain loops win. It is one of the two re-implementations of the
// step of helpers/step.py, with helpers/numpy_decoding.py (the Playwright tests compare it with the
// Python decoder byte for byte, on 1,000 real URLs with the shipped model): the LSTM input projections
// are the export's tables (step.input_gate_tables), a step adds the recurrent product; outputStep
// mirrors step.output_step.

// z (n) += W (n, m) @ x (m): W row-major, i.e. a Keras kernel stored transposed (step_decoder_weights).
// Four rows at a time, two sums per row: each x[i] is loaded once for four rows and the additions do
// not wait for each other (measured in V8: 0.77 ns per multiply-add, against 1.2 for a 4-sum dot
// product per row and 3-5 for z[j] += x[i] * W[i, j]).
function addProduct(z, x, W) {
  const n = z.length;
  const m = x.length;
  const even = m - (m % 2);
  let j = 0;
  for (; j + 3 < n; j += 4) {
    const r0 = j * m; const r1 = r0 + m; const r2 = r1 + m; const r3 = r2 + m;
    let a0 = 0; let b0 = 0; let c0 = 0; let d0 = 0; let a1 = 0; let b1 = 0; let c1 = 0; let d1 = 0;
    for (let i = 0; i < even; i += 2) {
      const x0 = x[i]; const x1 = x[i + 1];
      a0 += x0 * W[r0 + i]; b0 += x0 * W[r1 + i]; c0 += x0 * W[r2 + i]; d0 += x0 * W[r3 + i];
      a1 += x1 * W[r0 + i + 1]; b1 += x1 * W[r1 + i + 1]; c1 += x1 * W[r2 + i + 1]; d1 += x1 * W[r3 + i + 1];
    }
    if (even < m) {
      const x0 = x[even];
      a0 += x0 * W[r0 + even]; b0 += x0 * W[r1 + even]; c0 += x0 * W[r2 + even]; d0 += x0 * W[r3 + even];
    }
    z[j] += a0 + a1; z[j + 1] += b0 + b1; z[j + 2] += c0 + c1; z[j + 3] += d0 + d1;
  }
  for (; j < n; j += 1) {
    let sum = 0;
    for (let i = 0, row = j * m; i < m; i += 1) sum += x[i] * W[row + i];
    z[j] += sum;
  }
}

const sigmoid = (x) => 1 / (1 + Math.exp(-x));

// One Keras LSTM cell step from the gate pre-activations z (4 units; gates i, f, c, o): updates h, c.
function lstmCell(z, h, c) {
  const units = h.length;
  for (let j = 0; j < units; j += 1) {
    const cell = sigmoid(z[units + j]) * c[j] + sigmoid(z[j]) * Math.tanh(z[2 * units + j]);
    c[j] = cell;
    h[j] = sigmoid(z[3 * units + j]) * Math.tanh(cell);
  }
}

// Softmax of x in place; returns x.
function softmax(x) {
  let largest = -Infinity;
  for (const value of x) largest = Math.max(largest, value);
  let total = 0;
  for (let j = 0; j < x.length; j += 1) { x[j] = Math.exp(x[j] - largest); total += x[j]; }
  for (let j = 0; j < x.length; j += 1) x[j] /= total;
  return x;
}

export class StepDecoder {
  constructor(arrays, metadata) {
    const known = ['attention_scale', 'attend_to_embeddings', 'copy_mechanism'];
    const features = metadata.output_step;
    const unknown = Object.keys(features).filter((name) => !known.includes(name));
    if (unknown.length) throw new Error(`this page cannot compute the output terms ${unknown.join(', ')}: use ?engine=graph`);
    this.arrays = arrays; // name -> {data: Float32Array, shape}
    this.metadata = metadata;
    this.features = features;
    this.directions = metadata.bidirectional_encoder ? 2 : 1;
  }

  static async load(baseUrl, metadata) {
    const manifest = await (await fetchOk(`${baseUrl}${metadata.step_weights}`)).json();
    const buffer = await (await fetchOk(`${baseUrl}${manifest.file}`)).arrayBuffer();
    const arrays = {};
    for (const { name, shape, offset } of manifest.arrays) {
      const size = shape.reduce((a, b) => a * b, 1);
      arrays[name] = { shape, data: new Float32Array(buffer, offset * 4, size) };
    }
    return new StepDecoder(arrays, metadata);
  }

  // Row `row` of a (rows, n) array's input-gate table, plus row `position` of its position table.
  gates(prefix, id, position) {
    const table = this.arrays[`${prefix}_input_gates`];
    const n = table.shape[1];
    const z = table.data.slice(id * n, (id + 1) * n);
    const positions = this.arrays[`${prefix}_position_gates`];
    if (positions) for (let j = 0, start = position * n; j < n; j += 1) z[j] += positions.data[start + j];
    return z;
  }

  // ids (time) Int32Array, no padding -> keys (time, units), valuesByFeature (width, time), width, h, c (units).
  encode(ids) {
    const time = ids.length;
    const units = this.metadata.units;
    const cellUnits = units / this.directions;
    const layers = this.metadata.encoder_layers || 1;
    let keys = new Float32Array(time * units);
    const h = new Float32Array(units);
    const c = new Float32Array(units);
    for (let layer = 0; layer < layers; layer += 1) {
      const below = keys; // the outputs of the layer below (layers above the first read them)
      keys = new Float32Array(time * units);
      for (let direction = 0; direction < this.directions; direction += 1) {
        const prefix = layer === 0 ? `encoder_${direction}` : `encoder_layer${layer}_${direction}`; // step.encoder_prefix
        const recurrent = this.arrays[`${prefix}_recurrent_kernel_transposed`].data;
        const dh = new Float32Array(cellUnits);
        const dc = new Float32Array(cellUnits);
        for (let step = 0; step < time; step += 1) {
          const t = direction === 1 ? time - 1 - step : step; // the second direction runs last to first
          let z;
          if (layer === 0) {
            z = this.gates(prefix, ids[t], t);
          } else {
            z = this.arrays[`${prefix}_bias`].data.slice();
            addProduct(z, below.subarray(t * units, (t + 1) * units), this.arrays[`${prefix}_kernel_transposed`].data);
          }
          addProduct(z, dh, recurrent);
          lstmCell(z, dh, dc);
          keys.set(dh, t * units + direction * cellUnits);
        }
        h.set(dh, direction * cellUnits);
        c.set(dc, direction * cellUnits);
      }
    }
    let values = keys;
    let width = units;
    if (this.features.attend_to_embeddings) { // values = [encoder outputs, byte embeddings]
      const embedding = this.arrays.encoder_embedding;
      const dimension = embedding.shape[1];
      width = units + dimension;
      values = new Float32Array(time * width);
      for (let t = 0; t < time; t += 1) {
        values.set(keys.subarray(t * units, (t + 1) * units), t * width);
        values.set(embedding.data.subarray(ids[t] * dimension, (ids[t] + 1) * dimension), t * width + units);
      }
    }
    const valuesByFeature = new Float32Array(width * time); // values transposed: (width, time)
    for (let t = 0; t < time; t += 1) for (let j = 0; j < width; j += 1) valuesByFeature[j * time + t] = values[t * width + j];
    return { keys, valuesByFeature, width, time, h, c, ids };
  }

  // THE output computation of one decoder step (mirrors helpers/step.py output_step;
  // a new output term goes in both, named in metadata.output_step): h (units), encoded (from encode)
  // -> {probabilities (vocabulary), attention (time)}.
  outputStep(h, encoded) {
    const { keys, valuesByFeature, width, time } = encoded;
    const units = h.length;
    const scale = this.features.attention_scale ? Math.sqrt(units) : 1;
    const attention = new Float32Array(time);
    addProduct(attention, h, keys); // keys (time, units) @ h
    if (scale !== 1) for (let t = 0; t < time; t += 1) attention[t] /= scale;
    softmax(attention);
    const hidden = new Float32Array(units + width); // [h, context]
    hidden.set(h);
    addProduct(hidden.subarray(units), attention, valuesByFeature); // context = values^T @ attention
    const combined = this.arrays.combine_bias.data.slice();
    addProduct(combined, hidden, this.arrays.combine_kernel_transposed.data);
    for (let j = 0; j < combined.length; j += 1) combined[j] = Math.tanh(combined[j]);
    const logits = this.arrays.output_bias.data.slice();
    addProduct(logits, combined, this.arrays.output_kernel_transposed.data);
    const probabilities = softmax(logits);
    if (this.features.copy_mechanism) { // gate * softmax + (1 - gate) * attention summed per input byte id
      const gateLogit = this.arrays.copy_gate_bias.data.slice();
      addProduct(gateLogit, combined, this.arrays.copy_gate_kernel_transposed.data);
      const gate = 1 / (1 + Math.exp(-gateLogit[0]));
      for (let j = 0; j < probabilities.length; j += 1) probabilities[j] *= gate;
      for (let t = 0; t < time; t += 1) probabilities[encoded.ids[t]] += (1 - gate) * attention[t];
    }
    return { probabilities, attention };
  }

  // ids (time) Int32Array: UTF-8 bytes + byte_offset, then end_id -> {ids (steps, ending with end_id
  // when it was written; in the output's order, inOutputOrder), score (the smallest probability among the
  // emitted ids), attention (steps, time)}.
  decode(inputIds) {
    const m = this.metadata;
    const encoded = this.encode(inputIds);
    const { h, c } = encoded;
    const recurrent = this.arrays.decoder_recurrent_kernel_transposed.data;
    const ids = [];
    const attention = [];
    let score = 1;
    let token = m.start_id;
    for (let step = 0; step < m.max_output_length; step += 1) {
      const z = this.gates('decoder', token, step);
      addProduct(z, h, recurrent);
      lstmCell(z, h, c);
      const output = this.outputStep(h, encoded);
      let best = 0; // argmax, the first of equal values (as tf.argmax)
      for (let j = 1; j < output.probabilities.length; j += 1) if (output.probabilities[j] > output.probabilities[best]) best = j;
      score = Math.min(score, output.probabilities[best]);
      ids.push(best);
      attention.push(output.attention);
      if (best === m.end_id) break;
      token = best;
    }
    return m.reverse_output ? { score, ...inOutputOrder(ids, attention, m.end_id) } : { ids, score, attention };
  }
}

// A reverse_output model writes each output last byte first, then end_id: ids (steps) and attention
// (steps rows) as written -> the same in the output's order, the ids before end_id (all of them when it
// was not written) and their attention rows reversed (mirrors helpers/step.py in_output_order).
export function inOutputOrder(ids, attention, endId) {
  const ended = ids.indexOf(endId);
  const length = ended === -1 ? ids.length : ended;
  const reversed = (rows) => rows.slice(0, length).reverse().concat(rows.slice(length));
  return { ids: reversed(ids), attention: reversed(attention) };
}

// The output fields of a urlparse result (a JSON list), or null when the text is not such a list.
// The exception type when `text` is the object {"error": TYPE_NAME}: the model predicts that the real
// function raises (helpers.functions.predicted_error), else null.
export function predictedError(text) {
  if (text === null) return null;
  try {
    const value = JSON.parse(text);
    if (value && !Array.isArray(value) && typeof value === 'object' && Object.keys(value).length === 1 && typeof value.error === 'string') return value.error;
  } catch (error) { /* not JSON */ }
  return null;
}

export function parsedFields(text, names) {
  if (text === null || !names) return null;
  try {
    const value = JSON.parse(text);
    if (Array.isArray(value) && value.length === names.length) return names.map((name, index) => [name, value[index]]);
  } catch (error) { /* not JSON: shown as plain text */ }
  return null;
}
