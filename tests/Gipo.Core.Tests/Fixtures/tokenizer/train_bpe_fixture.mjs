// Trains a tiny byte-level BPE over a fixed mixed-language corpus and writes three
// Hugging Face tokenizer.json fixtures that share one vocabulary and merge list:
//
//   bpe-qwen2.tokenizer.json  NFC + Sequence[Split(Qwen2 regex), ByteLevel(use_regex=false)], merges as [["a","b"]]
//   bpe-gpt2.tokenizer.json   ByteLevel(use_regex=true) alone, no normalizer, merges as "a b" strings
//   bpe-llama3.tokenizer.json Sequence[Split(Llama-3 regex), ByteLevel], ignore_merges=true, plus one
//                             whole-word vocab entry that no merge produces
//
// The corpus repeats emoji and supplementary-plane letters glued to ASCII letters so that some
// merges cross those boundaries: a tokenizer that splits such text where Hugging Face does not
// (e.g. a UTF-16 regex that sees surrogates instead of code points) then gets different ids.
//
// No dependencies; deterministic (ties broken by pair text). Run: node train_bpe_fixture.mjs
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const MERGE_COUNT = 320;

const QWEN2_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const LLAMA3_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

// JavaScript RegExp has no inline (?i:...) group in Node 20, so the trainer spells the
// contractions out; training only needs a reasonable split, not an exact one.
const trainSplit = new RegExp(
  QWEN2_PATTERN.replace("(?i:'s|'t|'re|'ve|'m|'ll|'d)", "'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]"),
  "gu",
);

const corpus = `
The tokenizer reads text, splits it into pieces and merges frequent byte pairs.
The quick brown fox jumps over the lazy dog. The lazy dog sleeps; the fox runs.
It's a test: we're testing what they'll say, and I'm sure you'd agree we've tried.
Numbers like 12, 345, 6789 and 3.14159 or -42 appear in tables: 2024-01-15, 10:30.
Q:ADD 12+34
A:46
Q:ADD 7+8
A:15
def tokenize(text):
    pieces = split(text)
    return [merge(p) for p in pieces]

for (int i = 0; i < count; i++) {
    total += values[i] * 2;
}
public static int Add(int a, int b) => a + b;
if (x != null && y >= 10) { return x + y; } else { return 0; }
Café, naïve, résumé, façade, Ångström, Zürich, Straße, crème brûlée, jalapeño.
Tiếng Việt có nhiều dấu: người, được, những, không.
Привет, мир! Как дела? Всё хорошо, спасибо.
Ελληνικά γράμματα: αλφα, βήτα, γάμμα.
中文分词测试：你好，世界！我们今天学习分词。
日本語のテキストとカタカナ、ひらがな。東京へ行きます。
한국어 문장도 조금 있습니다.
Emoji time 😀 😀 🎉🎉 👍🏽 👨‍👩‍👧‍👦 🇯🇵 ❤️ and more 😀.
😀ok
😀ok
wow😀ok wow😀ok wow😀ok x😀y x😀y
a𝐀bc a𝐀bc a𝐀bc a𝐀bc 𝐀𝐁𝐂abc
Whitespace    runs	with tabs		and


blank lines   at   the end${"   " /* trailing spaces before a newline */}
The end. The end. The end of the text is here, the end.
`;

// Standard GPT-2 byte-to-unicode table: printable Latin-1 bytes map to themselves, the
// rest are shifted to U+0100 upwards so every byte is a visible, non-space character.
function bytesToUnicode() {
  const bs = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n);
      n++;
    }
  }
  const map = new Array(256);
  bs.forEach((b, i) => (map[b] = String.fromCodePoint(cs[i])));
  return map;
}

const byteChar = bytesToUnicode();
const encoder = new TextEncoder();
const toByteLevel = (s) => Array.from(encoder.encode(s), (b) => byteChar[b]);

const wordCounts = new Map();
for (const piece of corpus.match(trainSplit)) {
  const key = toByteLevel(piece).join("\u0000");
  wordCounts.set(key, (wordCounts.get(key) ?? 0) + 1);
}
let words = [...wordCounts].map(([key, count]) => ({ symbols: key.split("\u0000"), count }));

const merges = [];
for (let m = 0; m < MERGE_COUNT; m++) {
  const pairCounts = new Map();
  for (const { symbols, count } of words) {
    for (let i = 0; i + 1 < symbols.length; i++) {
      const key = symbols[i] + "\u0000" + symbols[i + 1];
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + count);
    }
  }
  let best = null;
  let bestCount = 0;
  for (const [key, count] of pairCounts) {
    if (count > bestCount || (count === bestCount && key < best)) {
      best = key;
      bestCount = count;
    }
  }
  if (best === null) break;
  const [a, b] = best.split("\u0000");
  merges.push([a, b]);
  words = words.map(({ symbols, count }) => {
    const next = [];
    for (let i = 0; i < symbols.length; i++) {
      if (i + 1 < symbols.length && symbols[i] === a && symbols[i + 1] === b) {
        next.push(a + b);
        i++;
      } else {
        next.push(symbols[i]);
      }
    }
    return { symbols: next, count };
  });
}

const vocab = {};
byteChar.forEach((ch, b) => (vocab[ch] = b));
for (const [a, b] of merges) {
  if (!(a + b in vocab)) vocab[a + b] = Object.keys(vocab).length;
}

const addedToken = (id, content) => ({
  id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
});
const byteLevel = (useRegex) => ({ type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: useRegex });
const bpeModel = (vocabulary, mergeList, ignoreMerges) => ({
  type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: "", end_of_word_suffix: "",
  fuse_unk: false, byte_fallback: false, ignore_merges: ignoreMerges, vocab: vocabulary, merges: mergeList,
});

function write(name, tokenizer) {
  writeFileSync(join(here, name), JSON.stringify(tokenizer, null, 2) + "\n");
  console.log(`${name}: ${Object.keys(tokenizer.model.vocab).length} vocab, ${tokenizer.model.merges.length} merges`);
}

const size = Object.keys(vocab).length;
const qwenSpecials = [
  addedToken(size, "<|endoftext|>"), addedToken(size + 1, "<|im_start|>"), addedToken(size + 2, "<|im_end|>"),
];

write("bpe-qwen2.tokenizer.json", {
  version: "1.0", truncation: null, padding: null,
  added_tokens: qwenSpecials,
  normalizer: { type: "NFC" },
  pre_tokenizer: {
    type: "Sequence",
    pretokenizers: [
      { type: "Split", pattern: { Regex: QWEN2_PATTERN }, behavior: "Isolated", invert: false },
      byteLevel(false),
    ],
  },
  post_processor: byteLevel(false),
  decoder: byteLevel(false),
  model: bpeModel(vocab, merges, false),
});

write("bpe-gpt2.tokenizer.json", {
  version: "1.0", truncation: null, padding: null,
  added_tokens: [addedToken(size, "<|endoftext|>")],
  normalizer: null,
  pre_tokenizer: byteLevel(true),
  post_processor: byteLevel(true),
  decoder: byteLevel(true),
  // Like GPT-2 itself, the end-of-text token is also an entry of model.vocab.
  model: bpeModel({ ...vocab, "<|endoftext|>": size }, merges.map(([a, b]) => `${a} ${b}`), false),
});

// "ĠGipo" never occurs in the corpus, so only ignore_merges can produce it.
const llamaVocab = { ...vocab, "\u0120Gipo": size };
write("bpe-llama3.tokenizer.json", {
  version: "1.0", truncation: null, padding: null,
  added_tokens: [
    addedToken(size + 1, "<|begin_of_text|>"), addedToken(size + 2, "<|end_of_text|>"), addedToken(size + 3, "<|eot_id|>"),
  ],
  normalizer: null,
  pre_tokenizer: {
    type: "Sequence",
    pretokenizers: [
      { type: "Split", pattern: { Regex: LLAMA3_PATTERN }, behavior: "Isolated", invert: false },
      byteLevel(false),
    ],
  },
  post_processor: byteLevel(true),
  decoder: byteLevel(true),
  model: bpeModel(llamaVocab, merges, true),
});
