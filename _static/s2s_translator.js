/* The book's numpy translator (chapter 8) in plain JavaScript: no library, no server, no network.
 *
 * On a page that holds <div class="s2s-live" data-models="real book attention"></div>, this script loads
 * each model's exported weights (s2s_weights.js, s2s_weights_real.js, s2s_weights_attention.js, next to
 * this file: each adds itself to self.S2S_MODELS) with a <script> tag, which also works for a site opened
 * from disk, and translates what the reader types: the tokens (and which of them the model reads as
 * <unk>), the French, for each output step the three most likely next tokens, and for the attention
 * model a grid of its attention weights. Tokenisation is s2sbook.text.tokenize, rewritten; errors are
 * s2sbook.data.encode_source's and s2sbook.translator's, word for word. Also a CommonJS module, for the
 * tests (node).
 *
 * Where Python 3.11 and this script may still differ: NFKC, lower case and which characters are letters
 * follow each runtime's own Unicode tables (Python 3.11 has Unicode 14.0; browsers and Node.js newer
 * ones), so a character assigned or reclassified after Unicode 14 (a new emoji, a letter of a new script)
 * can be tokenised or quoted differently. Every character of Unicode 14 agrees (tests/test_live_translator.py).
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
  const PAD = "<pad>", START = "START_", END = "_END", UNK = "<unk>";

  function normalize(text) {
    // NFKC also folds full-width letters ("Ｈｅｌｌｏ") to ASCII, as s2sbook.text.normalize does.
    text = text.normalize("NFKC").replace(REPLACE, (ch) => REPLACEMENT[ch]);
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

  // s2sbook.text.typed_forms: each token -> the characters the reader typed for it (each character normalised
  // alone, remembering where it came from), or nothing where that tokenises otherwise than the whole text.
  const ONE_SPACE = new RegExp(`^${PY_SPACE.source}$`);
  function typedForms(text) {
    const pieces = [], origin = [];
    let at = 0;
    for (const ch of text) {
      const piece = ONE_SPACE.test(ch) ? " " : normalize(ch);
      pieces.push(piece);
      for (let k = 0; k < piece.length; k++) origin.push([at, at + ch.length]);
      at += ch.length;
    }
    const spans = [];
    for (const match of pieces.join("").matchAll(TOKEN_RE)) {
      let start = match.index;
      for (const token of tokenize(match[0])) { // splits elisions only
        spans.push([token, start, start + token.length]);
        start += token.length;
      }
    }
    const forms = new Map(), tokens = tokenize(text);
    if (spans.length !== tokens.length || spans.some(([token], i) => token !== tokens[i])) return forms;
    for (const [token, start, end] of spans) {
      if (!forms.has(token)) forms.set(token, text.slice(origin[start][0], origin[end - 1][1]));
    }
    return forms;
  }

  function detokenize(tokens) {
    let text = tokens.join(" ");
    for (const mark of [" .", " ,"]) text = text.split(mark).join(mark.trim());
    return text.split("' ").join("'").split(" - ").join("-");
  }

  // ---- Python's repr() and sorted() of words, for the messages ------------------------------------
  // str.isprintable() is false for the categories C* and Z* except the ASCII space: repr escapes them.
  const NOT_PRINTABLE = /[\p{C}\p{Z}]/u;

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
      else if (ch !== " " && (code < 0x20 || code === 0x7f || NOT_PRINTABLE.test(ch))) {
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
  // Little-endian float32 or float16 bytes (every browser's typed arrays are little-endian) -> a
  // Float32Array; every float16 value is exactly a float32 one. The arithmetic is in float64 (JavaScript's
  // numbers), as numpy's is on the same values.
  let HALF = null;
  function halfTable() {
    if (HALF) return HALF;
    HALF = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) {
      const sign = bits & 0x8000 ? -1 : 1, exponent = (bits >> 10) & 0x1f, fraction = bits & 0x3ff;
      HALF[bits] = exponent === 0 ? sign * fraction * 2 ** -24
        : exponent === 31 ? (fraction ? NaN : sign * Infinity)
          : sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
    }
    return HALF;
  }

  function decodeArray(entry) {
    const bytes = atobBytes(entry.base64);
    if (entry.dtype === "float16") {
      const half = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2), table = halfTable();
      const data = new Float32Array(half.length);
      for (let i = 0; i < half.length; i++) data[i] = table[half[i]];
      return {shape: entry.shape, data};
    }
    return {shape: entry.shape, data: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)};
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
    const n = h.length, z = addProduct(Float64Array.from(inputProjection), h, recurrent.data);
    const newH = new Float64Array(n), newC = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const i = sigmoid(z[j]), f = sigmoid(z[n + j]), candidate = Math.tanh(z[2 * n + j]), o = sigmoid(z[3 * n + j]);
      newC[j] = f * c[j] + i * candidate;
      newH[j] = o * Math.tanh(newC[j]);
    }
    return [newH, newC];
  }

  // y + x·kernel, four rows of the kernel at a time (a quarter of the passes over y: twice as fast in
  // Chromium for chapter 9's output layer); the sums differ from one row at a time only in the last bits of
  // float64.
  function addProduct(y, x, k) {
    const n = y.length, rows = x.length;
    let i = 0;
    for (; i + 3 < rows; i += 4) {
      const x0 = x[i], x1 = x[i + 1], x2 = x[i + 2], x3 = x[i + 3], r0 = i * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
      for (let j = 0; j < n; j++) y[j] += x0 * k[r0 + j] + x1 * k[r1 + j] + x2 * k[r2 + j] + x3 * k[r3 + j];
    }
    for (; i < rows; i++) {
      const xi = x[i], row = i * n;
      for (let j = 0; j < n; j++) y[j] += xi * k[row + j];
    }
    return y;
  }

  // x·kernel + bias, then softmax (the largest score subtracted first, as numpy's dense_softmax does).
  function dense(x, kernel, bias) {
    return addProduct(Float64Array.from(bias.data), x, kernel.data);
  }

  function softmax(logits) {
    let max = -Infinity, sum = 0;
    for (let j = 0; j < logits.length; j++) if (logits[j] > max) max = logits[j];
    for (let j = 0; j < logits.length; j++) sum += (logits[j] = Math.exp(logits[j] - max));
    for (let j = 0; j < logits.length; j++) logits[j] /= sum;
    return logits;
  }

  function denseSoftmax(h, kernel, bias) { return softmax(dense(h, kernel, bias)); }

  // Chapter 7's Luong attention at one decoder step: scores h·e_t for each encoder output e_t, their softmax
  // (the weights the grid draws), the context Σ w_t e_t, then tanh([context, h]·W + b), as the Keras model.
  function attend(h, encoderOutputs, combineKernel, combineBias) {
    const weights = softmax(Float64Array.from(encoderOutputs, (e) => {
      let s = 0;
      for (let j = 0; j < h.length; j++) s += h[j] * e[j];
      return s;
    }));
    const combined = new Float64Array(2 * h.length);
    encoderOutputs.forEach((e, t) => { for (let j = 0; j < h.length; j++) combined[j] += weights[t] * e[j]; });
    combined.set(h, h.length);
    const attentional = dense(combined, combineKernel, combineBias).map(Math.tanh);
    return {weights, attentional};
  }

  // s2sbook.translator's message for an output without a French word.
  function emptyTranslation(french) {
    return `the model's output ${pyRepr(french)} holds no French word, so there is no translation to give. ` +
      "Rephrase the sentence; the model translates sentences like those it was trained on best.";
  }

  class Translator {
    constructor(model) {
      this.name = model.name;
      this.key = model.key;
      this.about = model.about || {};
      this.attention = "combine_kernel" in model.weights; // chapter 7's model: attention_combine
      this.enTokens = model.en_tokens;
      this.frTokens = model.fr_tokens;
      this.enIndex = new Map(model.en_tokens.map((token, i) => [token, i]));
      this.unk = this.enIndex.get(UNK); // undefined: the vocabulary refuses unknown words
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

    // s2sbook.data.encode_source: the same checks in the same order, the same messages. With <unk> in the
    // vocabulary, a word it lacks is read as <unk> (and listed in `unknown`), as Vocabulary.encode does.
    encodeSource(sentence) {
      const tokens = tokenize(sentence);
      if (tokens.length === 0) {
        return {tokens, error: {type: "ValueError", message: "the sentence is empty: give at least one English word"}};
      }
      if (!tokens.some((t) => WORD.test(t))) {
        // The vocabulary knows "?" and ".", so without this check "?!" would be translated into a sentence.
        const symbols = [...new Set(tokens.filter((t) => !/^\p{P}/u.test(t)))];
        if (symbols.length) { // an emoji is a symbol, not punctuation: say so
          return {tokens, error: {type: "ValueError", message: `the sentence ${shorten(sentence)} has no word: ` +
            `${symbols.slice(0, MAX_LISTED).map((t) => shorten(t)).join(", ")} ` +
            `${symbols.length === 1 ? "is a symbol" : "are symbols"} (emoji are symbols), not English words: ` +
            "give at least one English word"}};
        }
        return {tokens, error: {type: "ValueError",
          message: `the sentence ${shorten(sentence)} is only punctuation: give at least one English word`}};
      }
      if (tokens.length > this.maxLenEn) {
        return {tokens, error: {type: "ValueError", message: `the sentence has ${tokens.length} tokens; ` +
          `the model was trained on at most ${this.maxLenEn}. Split it into shorter sentences.`}};
      }
      const unknown = [...new Set(tokens.filter((t) => !this.enIndex.has(t)))];
      if (unknown.length && this.unk === undefined) {
        // Quoted as the reader typed them ("Ｚｏｒｂｌａｘ", not "zorblax"), as encode_source does.
        const typed = typedForms(sentence);
        const quoted = [...new Set(unknown.map((t) => typed.get(t) ?? t))].filter((t) => !this.enIndex.has(t));
        quoted.sort(byCodePoint);
        // A message quotes a few words, each cut short: input can be a 100,000-character "word".
        let listed = quoted.slice(0, MAX_LISTED).map((t) => shorten(t)).join(", ");
        if (quoted.length > MAX_LISTED) listed += ` and ${quoted.length - MAX_LISTED} more`;
        return {tokens, error: {type: "UnknownWordsError", message: `${quoted.length} word(s) not in the en ` +
          `vocabulary of ${this.enTokens.length} tokens: ${listed}. The model can only ` +
          "read words it was trained on: rephrase with known words, or add sentences with them to the corpus " +
          "and retrain."}};
      }
      return {tokens, unknown, ids: tokens.map((t) => this.enIndex.get(t) ?? this.unk), error: null};
    }

    encode(ids) {
      const w = this.w, n = w.encoder_recurrent_kernel.shape[0], outputs = [];
      let h = new Float64Array(n), c = new Float64Array(n);
      for (const id of ids) {
        [h, c] = lstmStep(this.encoderInput(id), h, c, w.encoder_recurrent_kernel);
        outputs.push(h);
      }
      return [h, c, outputs];
    }

    // {tokens, error} or {tokens, unknown (words read as <unk>), output (French tokens), french (text),
    //  steps: [{top: [[token, p] x 3], attention (the attention model: a weight per English token)}]}.
    translate(sentence) {
      const source = this.encodeSource(sentence);
      if (source.error) return source;
      const w = this.w;
      let [h, c, encoderOutputs] = this.encode(source.ids);
      let target = this.start;
      const output = [], steps = [];
      for (let step = 0; step < this.maxDecoderLen; step++) {
        [h, c] = lstmStep(this.decoderInput(target), h, c, w.decoder_recurrent_kernel);
        let probs, attention;
        if (this.attention) {
          const attended = attend(h, encoderOutputs, w.combine_kernel, w.combine_bias);
          attention = Array.from(attended.weights);
          probs = denseSoftmax(attended.attentional, w.dense_kernel, w.dense_bias);
        } else probs = denseSoftmax(h, w.dense_kernel, w.dense_bias);
        const top = topThree(probs);
        steps.push(attention ? {top: top.map((id) => [this.frTokens[id], probs[id]]), attention}
          : {top: top.map((id) => [this.frTokens[id], probs[id]])});
        if (top[0] === this.end) break;
        output.push(this.frTokens[top[0]]);
        target = top[0];
      }
      const french = detokenize(output), result = {tokens: source.tokens, unknown: source.unknown, output, steps};
      if (!output.some((t) => WORD.test(t))) {
        return {...result, error: {type: "EmptyTranslationError", message: emptyTranslation(french)}};
      }
      return {...result, french, error: null};
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

  // The weights file of each model, next to this script; each one adds its model to self.S2S_MODELS.
  const FILES = {book: "s2s_weights.js", real: "s2s_weights_real.js", attention: "s2s_weights_attention.js"};
  const LABELS = {real: "Real sentences (chapter 9)", book: "The book's model (chapters 2–8)",
    attention: "With attention (chapter 7)"};
  const S2S = {tokenize, normalize, typedForms, detokenize, pyRepr, topThree, Translator, FILES, translators: {},
    timings: {}};

  // ---- The page ----------------------------------------------------------------------------------
  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function percent(p) { return `${(100 * p).toFixed(1)}%`; }

  // The attention grid: one row per output token, one column per English token, each cell shaded by its
  // weight and holding it as text, so that the table itself is the text alternative; a caption says how to
  // read it.
  function attentionGrid(result) {
    const table = element("table", "s2s-attention");
    table.createCaption().textContent = "Attention: for each French token (row), the share of its attention " +
      "on each English token (column); darker is more.";
    const head = table.createTHead().insertRow();
    head.append(element("th", "", "output \\ input"));
    for (const token of result.tokens) {
      const th = element("th", "", token);
      th.scope = "col";
      head.append(th);
    }
    const body = table.createTBody();
    result.steps.forEach((step) => {
      const row = body.insertRow();
      const th = element("th", "", step.top[0][0]);
      th.scope = "row";
      row.append(th);
      step.attention.forEach((weight) => {
        const cell = element("td", "", (100 * weight).toFixed(0));
        cell.style.backgroundColor = `rgba(30, 90, 200, ${weight.toFixed(3)})`;
        if (weight > 0.5) cell.style.color = "#fff";
        cell.dataset.weight = String(weight);
        row.append(cell);
      });
    });
    return table;
  }

  function stepTable(result) {
    const table = element("table", "s2s-step-table");
    const head = table.createTHead().insertRow();
    for (const title of ["step", "1st (chosen)", "2nd", "3rd"]) head.append(element("th", "", title));
    const body = table.createTBody();
    result.steps.forEach((step, i) => {
      const row = body.insertRow();
      row.append(element("td", "", String(i + 1)));
      for (const [token, p] of step.top) {
        const cell = element("td");
        cell.append(element("code", "", token), ` ${percent(p)}`);
        row.append(cell);
      }
    });
    return table;
  }

  function show(widget, text) {
    const parts = widget.s2sParts, translator = S2S.translators[widget.dataset.model];
    const t0 = performance.now(), result = translator.translate(text), t1 = performance.now();
    for (const name of ["tokens", "unknown", "steps", "french", "error", "attention"]) parts[name].textContent = "";
    result.tokens.forEach((token, i) => {
      const unknown = Boolean(result.unknown && result.unknown.includes(token));
      const code = element("code", unknown ? "s2s-token s2s-unk" : "s2s-token", token);
      if (unknown) code.title = "read as <unk>";
      parts.tokens.append(code, i + 1 < result.tokens.length ? " " : "");
    });
    if (result.unknown && result.unknown.length) {
      parts.unknown.textContent = `Read as ${UNK} (not in the model's ` +
        `${translator.enTokens.length.toLocaleString("en-US")}-token ` +
        `English vocabulary): ${result.unknown.join(", ")}`;
    }
    if (result.error) {
      parts.error.textContent = `${result.error.type}: ${result.error.message}`;
    } else parts.french.textContent = result.french;
    if (result.steps) {
      parts.steps.append(stepTable(result));
      if (translator.attention) parts.attention.append(attentionGrid(result));
    }
    S2S.timings.translate = t1 - t0;
    S2S.timings.draw = performance.now() - t1;
    widget.dataset.translated = text;
  }

  function describe(translator) {
    const about = translator.about;
    const what = about.description ? `${about.description} ` : "";
    return `${what}Model ${translator.key}, computed in your browser.`;
  }

  function build(widget) {
    widget.textContent = "";
    const names = (widget.dataset.models || "book").split(/\s+/).filter((name) => FILES[name]);
    widget.dataset.model = names[0];
    const id = "s2s-input-" + Math.random().toString(36).slice(2);
    const parts = {};
    if (names.length > 1) {
      const choice = element("fieldset", "s2s-choice");
      choice.append(element("legend", "", "Model:"));
      for (const name of names) {
        const label = element("label"), radio = element("input");
        Object.assign(radio, {type: "radio", name: id + "-model", value: name, checked: name === names[0]});
        radio.addEventListener("change", () => select(widget, name));
        label.append(radio, " " + LABELS[name]);
        choice.append(label);
      }
      widget.append(choice);
    }
    const label = element("label", "s2s-label", "English:");
    label.htmlFor = id;
    const input = element("input", "s2s-input");
    Object.assign(input, {id, type: "text", autocomplete: "off", spellcheck: false, disabled: true,
      placeholder: "Loading the weights…", value: widget.dataset.example || ""});
    Object.assign(parts, {input, status: element("p", "s2s-status"), french: element("p", "s2s-french"),
      tokens: element("p", "s2s-tokens"), unknown: element("p", "s2s-unknown"), error: element("p", "s2s-error"),
      steps: element("div", "s2s-steps"), attention: element("div", "s2s-attention-box")});
    parts.status.setAttribute("aria-live", "polite");
    widget.append(label, input, parts.status, parts.french, parts.tokens, parts.unknown, parts.error,
      parts.attention, parts.steps);
    widget.s2sParts = parts;
    input.addEventListener("input", () => show(widget, input.value));
  }

  const loading = {};
  function load(name, base) {
    if (!loading[name]) {
      loading[name] = new Promise((resolve, reject) => {
        const models = root.S2S_MODELS;
        if (models && models[name]) return resolve();
        const script = document.createElement("script");
        script.src = new URL(FILES[name], base).href;
        script.charset = "utf-8"; // the vocabularies' French, whatever the page declares
        script.onload = () => (root.S2S_MODELS && root.S2S_MODELS[name] ? resolve() : reject());
        script.onerror = reject;
        document.head.append(script);
      }).then(() => {
        if (!S2S.translators[name]) S2S.translators[name] = new Translator(root.S2S_MODELS[name]);
        return S2S.translators[name];
      });
    }
    return loading[name];
  }

  function select(widget, name) {
    const {input, status} = widget.s2sParts, previous = S2S.translators[widget.dataset.model];
    widget.dataset.model = name;
    widget.dataset.state = "loading";
    input.disabled = true;
    status.textContent = "Loading the weights…";
    return load(name, S2S.base).then((translator) => {
      if (widget.dataset.model !== name) return;
      // The last model's example gives way to this one's; a sentence the reader typed stays.
      if (translator.about.example && (!input.value || (previous && input.value === previous.about.example))) {
        input.value = translator.about.example;
      }
      input.disabled = false;
      input.placeholder = "Type an English sentence";
      status.textContent = describe(translator);
      show(widget, input.value);
      widget.dataset.state = "ready";
      S2S.timings.ready = S2S.timings.ready ?? performance.now();
    }, () => {
      status.textContent = `Could not load the weights (${FILES[name]}).`;
      widget.dataset.state = "failed";
    });
  }

  if (typeof document !== "undefined") {
    S2S.base = document.currentScript.src;
    const start = () => {
      const widgets = [...document.querySelectorAll(".s2s-live")];
      widgets.forEach(build);
      widgets.forEach((widget) => select(widget, widget.dataset.model));
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  }

  root.S2S = S2S;
  if (typeof module !== "undefined" && module.exports) module.exports = S2S;
})(typeof window !== "undefined" ? window : globalThis);
