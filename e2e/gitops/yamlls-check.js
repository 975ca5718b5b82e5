// yamlls-check.js - validate CoreDB files with yaml-language-server itself
// (the engine of VS Code's YAML extension and of most editors' YAML support),
// using the schema from `coredb schema`. Run by e2e/gitops/schema.sh.
//
//   node yamlls-check.js SCHEMA.json FILE.yaml...
//
// Every FILE must validate with no diagnostics. Then it checks what a user
// sees: a typo is reported, a wrong enum value is reported, hovering a field
// shows its description, completion offers the stack names, and the
// `# yaml-language-server: $schema=` modeline selects the schema.
'use strict';
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');
const { getLanguageService } = require('yaml-language-server');
const { TextDocument } = require('vscode-languageserver-textdocument');

async function main() {
  const [schemaPath, ...files] = process.argv.slice(2);
  const schemaURI = pathToFileURL(path.resolve(schemaPath)).href;
  const ls = getLanguageService({
    schemaRequestService: async (uri) => {
      if (uri !== schemaURI) throw new Error('unexpected schema request ' + uri);
      return fs.readFileSync(schemaPath, 'utf8');
    },
    workspaceContext: { resolveRelativePath: (rel, res) => new URL(rel, res).href },
  });
  ls.configure({ validate: true, hover: true, completion: true, schemas: [{ uri: schemaURI, fileMatch: ['*.coredb.yaml'] }] });

  let failed = 0;
  const fail = (msg) => { console.error('FAIL: ' + msg); failed++; };
  const doc = (name, text) => TextDocument.create('file:///work/' + name, 'yaml', 1, text);
  const validate = (name, text) => ls.doValidation(doc(name, text), false);

  for (const f of files) {
    const diags = await validate(path.basename(f).replace(/\.ya?ml$/, '') + '.coredb.yaml', fs.readFileSync(f, 'utf8'));
    for (const d of diags) fail(`${f}:${d.range.start.line + 1}: ${d.message}`);
  }
  console.error(`${files.length} files validated`);

  const base = 'apiVersion: coredb.io/v1alpha1\nkind: CoreDB\nmetadata:\n  name: orders\nspec:\n';
  let diags = await validate('typo.coredb.yaml', base + '  replica: 3\n');
  if (!diags.some((d) => /replica/.test(d.message))) fail('unknown field spec.replica not reported: ' + JSON.stringify(diags));
  diags = await validate('enum.coredb.yaml', base + '  connectionPooler:\n    pooler:\n      poolMode: statement\n');
  if (!diags.some((d) => /session|transaction/.test(d.message))) fail('poolMode: statement not reported: ' + JSON.stringify(diags));
  diags = await validate('quantity.coredb.yaml', base + '  storage: lots\n');
  if (!diags.some((d) => /pattern|match/i.test(d.message))) fail('storage: lots not reported: ' + JSON.stringify(diags));

  const text = base + '  replicas: 2\n  stack:\n    name: \n';
  const hover = await ls.doHover(doc('hover.coredb.yaml', text), { line: 5, character: 4 });
  const hoverText = hover ? JSON.stringify(hover.contents) : '';
  if (!/Postgres instances/.test(hoverText)) fail('hover on spec.replicas: ' + hoverText);
  const completion = await ls.doComplete(doc('complete.coredb.yaml', text), { line: 7, character: 10 }, false);
  const labels = completion.items.map((i) => i.label);
  if (!labels.includes('OLTP') || !labels.includes('VectorDB')) fail('completion of spec.stack.name: ' + JSON.stringify(labels));

  diags = await validate('modeline.yaml', '# yaml-language-server: $schema=' + schemaURI + '\n' + base + '  replica: 3\n');
  if (!diags.some((d) => /replica/.test(d.message))) fail('the $schema modeline did not select the schema: ' + JSON.stringify(diags));

  console.error(failed ? `${failed} failed` : 'schema checks: hover, completion, modeline, typo, enum and quantity errors as expected');
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.error(e); process.exit(2); });
