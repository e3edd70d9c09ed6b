'use strict';
// Tiny command-line parser shared by master.js, worker.js, client.js and mix.js.
// parseArgs(argv, {router: 'default', workers: '2', ...}) accepts `--name value` and
// `--name=value` for the given names (a name whose default is a boolean is a flag without
// a value) and collects everything else as positionals.
// An unknown option or a missing value prints `usage` and exits with status 2.

function parseArgs(argv, defaults, usage) {
  const options = { ...defaults };
  const positionals = [];
  const fail = (message) => {
    process.stderr.write(`${message}\nusage: ${usage}\n`);
    process.exit(2);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      process.stdout.write(`usage: ${usage}\n`);
      process.exit(0);
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    let name = arg.slice(2);
    let value;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const key = name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in defaults)) fail(`unknown option --${name}`);
    if (typeof defaults[key] === 'boolean') {
      if (value !== undefined) fail(`option --${name} takes no value`);
      value = true;
    } else if (value === undefined) {
      if (i + 1 >= argv.length) fail(`option --${name} needs a value`);
      value = argv[++i];
    }
    options[key] = value;
  }
  return { options, positionals, fail };
}

// A non-negative integer option, or a usage error.
function intOption(value, name, fail, min = 0) {
  if (!/^\d+$/.test(String(value)) || Number(value) < min) {
    fail(`--${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

module.exports = { parseArgs, intOption };
