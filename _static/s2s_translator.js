/* The book's numpy translator (chapter 8) in plain JavaScript: no library, no server, no network.
 *
 * On a page that holds <div class="s2s-live"></div>, this script loads the exported weights
 * (s2s_weights.js, next to this file: it sets window.S2S_MODEL) with a <script> tag, which also works
 * for a site opened from disk, and translates what the reader types: the tokens, the French, and for
 * each output step the three most likely next tokens. Tokenisation is s2sbook.text.tokenize, rewritten;
 * errors are s2sbook.data.encode_source's, word for word. Also a CommonJS module, for the tests (node).
 */
(function (root) {
  "use strict";

  // ---- s2sbook.text: normalize, tokenize, detokenize --------------------------------------------
  const REPLACE = /[\u202f\u00a0\u2009\u2019\u2018\u02bc]/g;
  const REPLACEMENT = {"\u202f": " ", "\u00a0": " ", "\u2009": " ", "\u2019": "'", "\u2018": "'", "\u02bc": "'"};
  // Python's str.split() splits on the characters of str.isspace(); JavaScript's \s is another set.
  const PY_SPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
  // Python's \w in a str pattern: letters, numbers (str.isalnum) and "_". After normalize the only space is " ".
  const TOKEN_RE = /[\p{L}\p{N}_]+(?:'[\p{L}\p{N}_]+)*'?|[^\p{L}\p{N}_ ]/gu;
  // s2sbook.data.WORD: a token with a letter or digit is a word; the others are punctuation.
  const WORD = /[\p{L}\p{N}_]/u;
  const ELIDED = new Set(["l", "d", "j", "n", "m", "t", "s", "c", "qu", "jusqu", "lorsqu", "puisqu"]);
  const PAD = "<pad>", START = "START_", END = "_END";

  function normalize(text) {
    text = text.normalize("NFC").replace(REPLACE, (ch) => REPLACEMENT[ch]);
    return text.toLowerCase().split(PY_SPACE).filter((part) => part !== "").join(" ");
  }

  function partition(token) {
    const at = token.indexOf("'");
    return at < 0 ? [token, "", ""] : [token.slice(0, at), "'", token.slice(at + 1)];
  }

  function tokenize(text) {
    const tokens = [];
    for (let token of normalize(text).match(TOKEN_RE) || []) {
      let [head, apostrophe, rest] = partition(token);
      while (apostrophe && rest && ELIDED.has(head)) { // "s'l'a" holds two elisions
        tokens.push(head + "'");
        token = rest;
        [head, apostrophe, rest] = partition(token);
      }
      tokens.push(token);
    }
    return tokens;
  }

  function detokenize(tokens) {
    let text = tokens.join(" ");
    for (const mark of [" .", " ,"]) text = text.split(mark).join(mark.trim());
    return text.split("' ").join("'").split(" - ").join("-");
  }

  // ---- Python's repr() and sorted() of words, for the unknown-words message --------------------
  const NOT_PRINTABLE = /\p{C}/u;

  function pyRepr(text) {
    const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
    let out = quote;
    for (const ch of text) {
      const code = ch.codePointAt(0);
      const hex = (width) => code.toString(16).padStart(width, "0");
      if (ch === quote || ch === "\\") out += "\\" + ch;
      else if (ch === "\t") out += "\\t";
      else if (ch === "\n") out += "\\n";
      else if (ch === "\r") out += "\\r";
      else if (code < 0x20 || code === 0x7f || NOT_PRINTABLE.test(ch)) {
        out += code < 0x100 ? "\\x" + hex(2) : code < 0x10000 ? "\\u" + hex(4) : "\\U" + hex(8);
      } else out += ch;
    }
    return out + quote;
  }

  // s2sbook.data.shorten and MAX_LISTED: a quoted word cut to 40 characters (code points, as Python counts),
  // at most 10 words quoted in one message.
  const MAX_LISTED = 10;
  function shorten(value, width = 40) {
    const text = Array.from(pyRepr(value));
    return text.length <= width ? text.join("") : text.slice(0, width - 4).join("") + "...'";
  }

  function byCodePoint(a, b) {
    const x = Array.from(a, (ch) => ch.codePointAt(0)), y = Array.from(b, (ch) => ch.codePointAt(0));
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  }

  // ---- The weights ---------------------------------------------------------------------------
  // float32 bytes (little-endian, as every browser's typed arrays are) -> numbers, widened once to
  // float64, the precision the arithmetic uses.
  function decodeArray(entry) {
    const bytes = atobBytes(entry.float32);
    const floats = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    return {shape: entry.shape, data: Float64Array.from(floats)};
  }

  function atobBytes(base64) {
    if (typeof atob === "function") {
      const text = atob(base64), bytes = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
      return bytes;
    }
    return new Uint8Array(Buffer.from(base64, "base64")); // node
  }

  // ---- The numpy translator: lstm_step, dense_softmax, encode, greedy decoding ---------------
  function sigmoid(x) { return 1 / (1 + Math.exp(-x)); }

  // x·kernel + bias for the embedding row x of a word, computed the first time the word is read and kept:
  // it is the same at every step that reads the word, so each step only adds h·recurrent_kernel.
  function inputProjections(embedding, kernel, bias) {
    const width = embedding.shape[1], out = kernel.shape[1], cache = new Array(embedding.shape[0]);
    return (id) => {
      if (cache[id]) return cache[id];
      const z = Float64Array.from(bias.data);
      for (let k = 0; k < width; k++) {
        const x = embedding.data[id * width + k];
        for (let j = 0; j < out; j++) z[j] += x * kernel.data[k * out + j];
      }
      return (cache[id] = z);
    };
  }

  // One LSTM step: z = x·kernel + bias (given: the word's input projection) + h·recurrent_kernel, the gates
  // side by side in Keras's order i, f, c, o; then c' = f⊙c + i⊙c̃ and h' = o⊙tanh(c').
  function lstmStep(inputProjection, h, c, recurrent) {
    const n = h.length, width = 4 * n, z = Float64Array.from(inputProjection), u = recurrent.data;
    for (let k = 0; k < n; k++) {
      const hk = h[k], row = k * width;
      for (let j = 0; j < width; j++) z[j] += hk * u[row + j];
    }
    const newH = new Float64Array(n), newC = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const i = sigmoid(z[j]), f = sigmoid(z[n + j]), candidate = Math.tanh(z[2 * n + j]), o = sigmoid(z[3 * n + j]);
      newC[j] = f * c[j] + i * candidate;
      newH[j] = o * Math.tanh(newC[j]);
    }
    return [newH, newC];
  }

  function denseSoftmax(h, kernel, bias) {
    const outputs = bias.data.length, logits = new Float64Array(bias.data);
    for (let k = 0; k < h.length; k++) {
      const hk = h[k], row = k * outputs;
      for (let j = 0; j < outputs; j++) logits[j] += hk * kernel.data[row + j];
    }
    let max = -Infinity, sum = 0;
    for (let j = 0; j < outputs; j++) if (logits[j] > max) max = logits[j];
    for (let j = 0; j < outputs; j++) sum += (logits[j] = Math.exp(logits[j] - max));
    for (let j = 0; j < outputs; j++) logits[j] /= sum;
    return logits;
  }


  class Translator {
    constructor(model) {
      this.key = model.key;
      this.enTokens = model.en_tokens;
      this.frTokens = model.fr_tokens;
      this.enIndex = new Map(model.en_tokens.map((token, i) => [token, i]));
      this.maxLenEn = model.max_len_en;
      this.maxDecoderLen = model.max_decoder_len;
      this.w = {};
      for (const [name, entry] of Object.entries(model.weights)) this.w[name] = decodeArray(entry);
      const w = this.w;
      this.encoderInput = inputProjections(w.encoder_embedding, w.encoder_kernel, w.encoder_bias);
      this.decoderInput = inputProjections(w.decoder_embedding, w.decoder_kernel, w.decoder_bias);
      this.start = this.frTokens.indexOf(START);
      this.end = this.frTokens.indexOf(END);
    }

    // s2sbook.data.encode_source: the same checks in the same order, the same messages.
    encodeSource(sentence) {
      const tokens = tokenize(sentence);
      if (tokens.length === 0) {
        return {tokens, error: {type: "ValueError", message: "the sentence is empty: give at least one English word"}};
      }
      if (!tokens.some((t) => WORD.test(t))) {
        // The vocabulary knows "?" and ".", so without this check "?!" would be translated into a sentence.
        return {tokens, error: {type: "ValueError",
          message: `the sentence ${shorten(sentence)} is only punctuation: give at least one English word`}};
      }
      if (tokens.length > this.maxLenEn) {
        return {tokens, error: {type: "ValueError", message: `the sentence has ${tokens.length} tokens; ` +
          `the model was trained on at most ${this.maxLenEn}. Split it into shorter sentences.`}};
      }
      const unknown = [...new Set(tokens.filter((t) => !this.enIndex.has(t)))].sort(byCodePoint);
      if (unknown.length) {
        // A message quotes a few words, each cut short: input can be a 100,000-character "word".
        let listed = unknown.slice(0, MAX_LISTED).map((t) => shorten(t)).join(", ");
        if (unknown.length > MAX_LISTED) listed += ` and ${unknown.length - MAX_LISTED} more`;
        return {tokens, error: {type: "UnknownWordsError", message: `${unknown.length} word(s) not in the en ` +
          `vocabulary of ${this.enTokens.length} tokens: ${listed}. The model can only ` +
          "read words it was trained on: rephrase with known words, or add sentences with them to the corpus " +
          "and retrain."}};
      }
      return {tokens, ids: tokens.map((t) => this.enIndex.get(t)), error: null};
    }

    encode(ids) {
      const w = this.w, n = w.encoder_recurrent_kernel.shape[0];
      let h = new Float64Array(n), c = new Float64Array(n);
      for (const id of ids) [h, c] = lstmStep(this.encoderInput(id), h, c, w.encoder_recurrent_kernel);
      return [h, c];
    }

    // {tokens, error} or {tokens, output (French tokens), french (text), steps: [{top: [[token, p] x 3]}]}
    translate(sentence) {
      const source = this.encodeSource(sentence);
      if (source.error) return source;
      const w = this.w;
      let [h, c] = this.encode(source.ids);
      let target = this.start;
      const output = [], steps = [];
      for (let step = 0; step < this.maxDecoderLen; step++) {
        [h, c] = lstmStep(this.decoderInput(target), h, c, w.decoder_recurrent_kernel);
        const probs = denseSoftmax(h, w.dense_kernel, w.dense_bias);
        const top = topThree(probs);
        steps.push({top: top.map((id) => [this.frTokens[id], probs[id]])});
        if (top[0] === this.end) break;
        output.push(this.frTokens[top[0]]);
        target = top[0];
      }
      return {tokens: source.tokens, output, french: detokenize(output), steps, error: null};
    }
  }

  // The three largest, first index first on ties (numpy's argmax takes the first maximum).
  function topThree(probs) {
    const best = [];
    for (let j = 0; j < probs.length; j++) {
      let at = best.length;
      while (at > 0 && probs[j] > probs[best[at - 1]]) at--;
      if (at < 3) { best.splice(at, 0, j); if (best.length > 3) best.pop(); }
    }
    return best;
  }

  const S2S = {tokenize, normalize, detokenize, pyRepr, Translator, translator: null, timings: {}};

  // ---- The page ----------------------------------------------------------------------------------
  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function show(widget, text) {
    const parts = widget.s2sParts, result = S2S.translator.translate(text);
    parts.tokens.textContent = "";
    parts.steps.textContent = "";
    parts.french.textContent = "";
    parts.error.textContent = "";
    for (const token of result.tokens) parts.tokens.append(element("code", "s2s-token", token), " ");
    if (result.error) {
      parts.error.textContent = `${result.error.type}: ${result.error.message}`;
    } else {
      parts.french.textContent = result.french;
      const table = element("table", "s2s-step-table");
      const head = table.createTHead().insertRow();
      for (const title of ["step", "1st (chosen)", "2nd", "3rd"]) head.append(element("th", "", title));
      const body = table.createTBody();
      result.steps.forEach((step, i) => {
        const row = body.insertRow();
        row.append(element("td", "", String(i + 1)));
        for (const [token, p] of step.top) {
          const cell = element("td");
          cell.append(element("code", "", token), ` ${(100 * p).toFixed(1)}%`);
          row.append(cell);
        }
      });
      parts.steps.append(table);
    }
    widget.dataset.translated = text;
  }

  function build(widget) {
    widget.textContent = "";
    const id = "s2s-input-" + Math.random().toString(36).slice(2);
    const label = element("label", "s2s-label", "English:");
    label.htmlFor = id;
    const input = element("input", "s2s-input");
    Object.assign(input, {id, type: "text", autocomplete: "off", spellcheck: false, disabled: true,
      placeholder: "Loading the weights…", value: widget.dataset.example || ""});
    const parts = {input, status: element("p", "s2s-status"), french: element("p", "s2s-french"),
      tokens: element("p", "s2s-tokens"), error: element("p", "s2s-error"), steps: element("div", "s2s-steps")};
    parts.status.setAttribute("aria-live", "polite");
    widget.append(label, input, parts.status, parts.french, parts.tokens, parts.error, parts.steps);
    widget.s2sParts = parts;
    input.addEventListener("input", () => show(widget, input.value));
  }

  function ready(widgets) {
    S2S.translator = new S2S.Translator(root.S2S_MODEL);
    for (const widget of widgets) {
      const {input, status} = widget.s2sParts;
      input.disabled = false;
      input.placeholder = "Type an English sentence";
      status.textContent = `The book's trained weights (model ${S2S.translator.key}), computed in your browser.`;
      show(widget, input.value);
      widget.dataset.state = "ready";
    }
    S2S.timings.ready = performance.now();
  }

  function failed(widgets) {
    for (const widget of widgets) {
      widget.s2sParts.status.textContent = "Could not load the weights (s2s_weights.js).";
      widget.dataset.state = "failed";
    }
  }

  if (typeof document !== "undefined") {
    const script = document.currentScript;
    const start = () => {
      const widgets = [...document.querySelectorAll(".s2s-live")];
      if (!widgets.length) return;
      widgets.forEach(build);
      const weights = document.createElement("script");
      weights.src = new URL("s2s_weights.js", script.src).href;
      weights.onload = () => (root.S2S_MODEL ? ready(widgets) : failed(widgets));
      weights.onerror = () => failed(widgets);
      document.head.append(weights);
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  }

  root.S2S = S2S;
  if (typeof module !== "undefined" && module.exports) module.exports = S2S;
})(typeof window !== "undefined" ? window : globalThis);
