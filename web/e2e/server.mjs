// Starts the release binary on a fresh SQLite store seeded with the 1× demo data and
// three users: an owner and a member of the demo organization, and the owner of
// another organization. Used by the end-to-end tests and the UI benchmark.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const PASSWORD = 'e2e-password-9f3k2'
export const USERS = {
  owner: 'owner@e2e.test',
  member: 'member@e2e.test',
  outsider: 'outsider@e2e.test',
}

function binary() {
  const bin = resolve(process.env.CALLVITALS_BIN ?? new URL('../../target/release/callvitals', import.meta.url).pathname)
  if (!existsSync(bin)) throw new Error(`no callvitals binary at ${bin}: run \`cargo build --release\` first`)
  return bin
}

function run(bin, args) {
  const result = spawnSync(bin, args, { encoding: 'utf8', env: { ...process.env, RUST_LOG: 'warn' } })
  if (result.status !== 0) throw new Error(`callvitals ${args.join(' ')} failed:\n${result.stderr}`)
  return result.stdout.trim()
}

/** Seeds (or reuses `CALLVITALS_E2E_DATA`) and serves; resolves to { url, stop }. */
export async function startServer() {
  const bin = binary()
  const reuse = process.env.CALLVITALS_E2E_DATA
  const dataDir = reuse ?? mkdtempSync(join(tmpdir(), 'callvitals-e2e-'))
  const store = ['--data-dir', dataDir]
  if (!reuse || !existsSync(join(dataDir, '.seeded'))) {
    run(bin, ['demo', '--seed-only', ...store])
    const passwordFile = join(dataDir, 'password')
    writeFileSync(passwordFile, PASSWORD)
    const user = (org, email, role) =>
      run(bin, ['user', 'create', '--org', org, '--email', email, '--role', role, '--password-file', passwordFile, ...store])
    user('Demo', USERS.owner, 'owner')
    user('Demo', USERS.member, 'member')
    user('Elsewhere', USERS.outsider, 'owner')
    run(bin, ['app', 'create', '--org', 'Elsewhere', '--name', 'theirs', ...store])
    writeFileSync(join(dataDir, '.seeded'), '')
  }
  const child = spawn(
    bin,
    [
      'serve',
      ...store,
      '--bind',
      '127.0.0.1:0',
      '--login-attempts-per-minute',
      '0',
      '--read-rate-limit-per-minute',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: 'info', NO_COLOR: '1' } },
  )
  const url = await new Promise((done, fail) => {
    let output = ''
    const timer = setTimeout(() => fail(new Error(`the server did not start:\n${output}`)), 30_000)
    const read = (chunk) => {
      // eslint-disable-next-line no-control-regex
      output += String(chunk).replace(/\x1b\[[0-9;]*m/g, '')
      const match = /listening.*?address=(\d+\.\d+\.\d+\.\d+:\d+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        done(`http://${match[1]}`)
      }
    }
    child.stdout.on('data', read)
    child.stderr.on('data', read)
    child.on('exit', (code) => fail(new Error(`the server exited (${code}):\n${output}`)))
  })
  return {
    url,
    async stop() {
      child.kill('SIGTERM')
      await new Promise((done) => child.once('exit', done))
      if (!reuse) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export const CHROMIUM = {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
}
