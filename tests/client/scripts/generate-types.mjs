// Generates the TypeScript types of the inspectd API from the OpenAPI contract.
//
//   node scripts/generate-types.mjs <openapi.yaml> <out.d.ts>
//
// openapi-typescript's programmatic API, with the two options the CLI lacks or
// gets wrong for this contract (both are openapi-typescript's own documented
// settings, nothing is patched by hand):
//   - `format: binary` becomes `Blob` (the CLI types it as `string`, which a photo
//     upload cannot honestly satisfy): the recipe of openapi-typescript's docs;
//   - defaultNonNullable: false — a property with a `default` stays optional.
//     The CLI default (true) makes e.g. TaskCreate.requires_photo (default true)
//     *required* in request bodies, although the server fills the default in.
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";

const [spec, out] = process.argv.slice(2);
if (!spec || !out) {
  console.error("usage: node scripts/generate-types.mjs <openapi.yaml> <out.d.ts>");
  process.exit(2);
}

const BLOB = ts.factory.createTypeReferenceNode(ts.factory.createIdentifier("Blob"));
const NULL = ts.factory.createLiteralTypeNode(ts.factory.createNull());

const ast = await openapiTS(pathToFileURL(resolve(spec)), {
  defaultNonNullable: false,
  transform(schemaObject) {
    if (schemaObject.format === "binary") {
      return schemaObject.nullable ? ts.factory.createUnionTypeNode([BLOB, NULL]) : BLOB;
    }
    return undefined;
  },
});
await writeFile(out, astToString(ast));
console.log(`generated ${out} from ${spec}`);
