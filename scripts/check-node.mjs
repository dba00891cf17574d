// Refuses a Node that chexgen cannot run on and names the supported ones (package.json "engines": 20.19+, 22.13+,
// 24+). Node 20 is past its end of life (April 2026) and kept while the machines here have it; 22 and 24 are the
// LTS lines; the test command runs the suite on the Node on PATH and again on Node 24 (scripts/test.sh).
const [major, minor] = process.versions.node.split('.').map(Number);
const supported = (major === 20 && minor >= 19) || (major === 22 && minor >= 13) || major >= 24;
if (!supported) {
  console.error(`chexgen needs Node 20.19+, 22.13+ or 24+ (24 is the active LTS); found ${process.version}`);
  process.exit(1);
}
if (major === 20) console.error(`note: Node ${process.version} is past its end of life (April 2026); Node 24 is the active LTS`);
if (major > 24 && major % 2 === 1) console.error(`note: Node ${process.version} is not an LTS line; chexgen is tested on 20, 22 and 24`);
