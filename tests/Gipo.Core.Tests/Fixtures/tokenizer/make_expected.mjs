// Encodes the test strings with Tokenizers.js (@huggingface/tokenizers, the JavaScript port of
// Hugging Face tokenizers used by transformers.js) and writes expected_ids.json, the reference
// the C# tests compare against. See README.md for how to run it.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const libraryDir = process.env.TOKENIZERS_JS_DIR ?? "/tmp/tokjs/node_modules/@huggingface/tokenizers";
const { version } = JSON.parse(readFileSync(join(libraryDir, "package.json"), "utf8"));
const { Tokenizer } = await import(pathToFileURL(join(libraryDir, "dist/tokenizers.mjs")).href);

const bpeTexts = [
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
  "😀ok\nwow😀ok x😀y 🎉🎉wow",
  "a𝐀bc 𝐀𝐁𝐂abc",
  "𝐀𝐁𝐂 math letters, 𠀀𠀁 CJK ext B, 𝟏𝟐𝟑 math digits",
  "\u00a0non-breaking\u2003em space\u3000ideographic\u200bzero width",
  "ﬁ ligature ①②③ ½ ²",
  "Q:ADD 12+34\nA:46",
  "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|><|endoftext|>",
  "<|endoftext|><|endoftext|>x<|endoftext|>",
  "not special: <|im_start <|unknown|> <|endoftext| |>",
  "<|begin_of_text|>Hello Gipo!<|eot_id|><|end_of_text|>",
  "Gipo Gipo, aGipo",
  "decomposed: e\u0301 a\u0308 n\u0303 and precomposed: é ä ñ",
];

// Only the NFC tokenizer changes "e\u0301"; the others must still reproduce it exactly.
const charTexts = [
  "",
  "Q:ADD 12+34\nA:46",
  "T:SORT 3 1 2\nS:1 2 3",
  "Q:MOD 17 5\nM:2",
  "CD 9-4*2/1=x;",
  "A:46<eos>",
  "<bos>Q:ADD 1+1<eos><pad><pad>",
  "<eos<eos>>",
  "tab\there ~`{}|\\\"'",
  "café 😀 中",
];

const fixtures = {
  "bpe-qwen2.tokenizer.json": bpeTexts,
  "bpe-gpt2.tokenizer.json": bpeTexts,
  "bpe-llama3.tokenizer.json": bpeTexts,
  // Tokenizers.js has no WordLevel model; it falls back to its vocabulary-lookup model, which
  // takes the unknown token from tokenizer_config.json, so that config is passed here.
  "char.tokenizer.json": charTexts,
};

const result = {
  generator: `@huggingface/tokenizers ${version} on Node.js ${process.version}`,
  note: "ids = encode(text, { add_special_tokens: false }).ids; decoded = decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false })",
  fixtures: {},
};

for (const [file, texts] of Object.entries(fixtures)) {
  const json = JSON.parse(readFileSync(join(here, file), "utf8"));
  const tokenizer = new Tokenizer(json, file.startsWith("char") ? { unk_token: "<unk>" } : {});
  result.fixtures[file] = texts.map((text) => {
    const { ids } = tokenizer.encode(text, { add_special_tokens: false });
    const decoded = ids.length === 0
      ? ""
      : tokenizer.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
    return { text, ids, decoded };
  });
}

// One case per line keeps diffs of regenerated expectations readable.
const body = Object.entries(result.fixtures)
  .map(([file, cases]) => `    ${JSON.stringify(file)}: [\n${cases.map((c) => "      " + JSON.stringify(c)).join(",\n")}\n    ]`)
  .join(",\n");
writeFileSync(
  join(here, "expected_ids.json"),
  `{\n  "generator": ${JSON.stringify(result.generator)},\n  "note": ${JSON.stringify(result.note)},\n  "fixtures": {\n${body}\n  }\n}\n`,
);
console.log(`expected_ids.json written with ${result.generator}`);
