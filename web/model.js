// Inference only: text -> UTF-8 bytes -> ids -> the exported in-graph decoder -> ids -> text.
// Every constant (special ids, byte offset, lengths, field names) comes from model/metadata.json,
// written by `python -m helpers export`. Needs the global `tf` (vendor/tf.min.js).

export class LearnedFunction {
  constructor(graphModel, metadata) {
    this.graphModel = graphModel; // tf.GraphModel of the decode_ids signature (while loops: executeAsync)
    this.metadata = metadata; // vocabulary, special ids, maximum lengths, output field names
  }

  static async load(baseUrl) {
    const response = await fetch(`${baseUrl}metadata.json`);
    if (!response.ok) throw new Error(`cannot load ${baseUrl}metadata.json: ${response.status}`);
    const metadata = await response.json();
    const graphModel = await tf.loadGraphModel(`${baseUrl}model.json`);
    return new LearnedFunction(graphModel, metadata);
  }

  // A message when the model cannot take `text`, else null.
  problem(text) {
    if (text.length === 0) return 'The input is empty: type a URL.';
    const bytes = new TextEncoder().encode(text).length;
    const limit = this.metadata.max_input_bytes;
    if (bytes > limit) return `The input is ${bytes} UTF-8 bytes long; the model takes at most ${limit}.`;
    if (/[\u0000-\u001f\u007f]/.test(text)) return 'The input contains control characters (tab, newline, ...); the model was never shown any.';
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

  // texts: n strings the model accepts -> n results {input, text, complete, score, ids, attention,
  // inputLength}; attention is (output steps, input ids) for that row.
  async run(texts) {
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
}

// The output fields of a urlparse result (a JSON list), or null when the text is not such a list.
export function parsedFields(text, names) {
  if (text === null || !names) return null;
  try {
    const value = JSON.parse(text);
    if (Array.isArray(value) && value.length === names.length) return names.map((name, index) => [name, value[index]]);
  } catch (error) { /* not JSON: shown as plain text */ }
  return null;
}
