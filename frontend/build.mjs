#!/usr/bin/env node
// Build Pathways' static front-end assets from the pinned npm packages.
//
//   cd frontend && npm ci && node build.mjs
//
// Writes everything under pathways/static/dist/ (relative to the repo root,
// resolved from this file's location, so the current directory does not
// matter). Uses only Node built-ins and the `sass` package API.

import { existsSync } from "node:fs";
import { cp, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const nodeModules = path.join(here, "node_modules");
const repoRoot = path.resolve(here, "..");
const dist = path.join(repoRoot, "pathways", "static", "dist");

const PACKAGES = ["govuk-frontend", "htmx.org", "axe-core", "sass"];

function fail(message) {
  console.error(`build.mjs: ${message}`);
  process.exit(1);
}

function rel(p) {
  return path.relative(repoRoot, p);
}

async function packageVersion(name) {
  const file = path.join(nodeModules, name, "package.json");
  if (!existsSync(file)) {
    fail(`${rel(file)} is missing: run npm ci in frontend/ first`);
  }
  return JSON.parse(await readFile(file, "utf8")).version;
}

async function copy(from, to) {
  const source = path.join(nodeModules, from);
  if (!existsSync(source)) {
    fail(`${rel(source)} is missing: run npm ci in frontend/ first`);
  }
  const target = path.join(dist, to);
  await mkdir(path.dirname(target), { recursive: true });
  await cp(source, target, { recursive: true });
  return target;
}

async function main() {
  if (!existsSync(nodeModules)) {
    fail(`${rel(nodeModules)}/ not found: run npm ci in frontend/ first`);
  }

  const versions = {};
  for (const name of PACKAGES) {
    versions[name] = await packageVersion(name);
  }

  let sass;
  try {
    sass = await import("sass");
  } catch (error) {
    fail(`cannot load the sass package (${error.message}): run npm ci in frontend/ first`);
  }

  // Start from a clean output directory so removed files do not linger.
  await rm(dist, { recursive: true, force: true });
  await mkdir(dist, { recursive: true });

  const written = [];

  // 1. Stylesheet. quietDeps hides deprecation warnings raised inside
  //    node_modules (GOV.UK Frontend 5.x still uses @import internally);
  //    pathways.scss itself uses the module system and must stay warning-free.
  let result;
  try {
    result = sass.compile(path.join(here, "pathways.scss"), {
      loadPaths: [nodeModules],
      style: "compressed",
      quietDeps: true,
    });
  } catch (error) {
    fail(`Sass compilation failed:\n${error.message}`);
  }
  const cssFile = path.join(dist, "pathways.css");
  await writeFile(cssFile, result.css + "\n");
  written.push(cssFile);

  // 2. JavaScript and static assets, copied as shipped by each package.
  written.push(
    await copy("govuk-frontend/dist/govuk/govuk-frontend.min.js", "govuk-frontend.min.js"),
  );
  // GOV.UK Frontend assets: images and manifest.json (and the rebrand set).
  // The GDS Transport fonts are deliberately NOT copied: they are licensed
  // for GOV.UK services only, and pathways.scss does not reference them.
  const assets = "govuk-frontend/dist/govuk/assets";
  written.push(await copy(`${assets}/images`, "assets/images"));
  written.push(await copy(`${assets}/manifest.json`, "assets/manifest.json"));
  if (existsSync(path.join(nodeModules, assets, "rebrand"))) {
    written.push(await copy(`${assets}/rebrand`, "assets/rebrand"));
  }
  written.push(await copy("htmx.org/dist/htmx.min.js", "htmx.min.js"));
  // axe-core is for browser accessibility tests only; keep it apart.
  written.push(await copy("axe-core/axe.min.js", "test/axe.min.js"));

  // 3. Record what was built from.
  const versionsFile = path.join(dist, "VERSIONS.json");
  await writeFile(versionsFile, JSON.stringify(versions, null, 2) + "\n");
  written.push(versionsFile);

  for (const file of written) {
    const info = await stat(file);
    const size = info.isDirectory() ? "dir" : `${info.size} bytes`;
    console.log(`  ${rel(file)} (${size})`);
  }
  console.log(
    `build.mjs: built ${rel(dist)}/ from ` +
      Object.entries(versions)
        .map(([name, version]) => `${name}@${version}`)
        .join(", "),
  );
}

await main();
