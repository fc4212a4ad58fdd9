// The weights init container's program. Berth's own fetcher is TypeScript in the desktop
// process; in a cluster the fetch runs in the pod, so this is Python on huggingface_hub (a
// public image plus one pip package, which any cluster admin can pull). It does what Berth's
// weights stage does: resolve the revision to a commit (or use the commit Berth pinned at
// export), keep the files the entry's patterns keep (the file list Berth resolved, or the
// same two pattern dialects as shared/truss/weights.ts when the list was not known), download
// them into the volume, and write the manifest Berth's truss-transfer-cli checks.
export const WEIGHTS_INIT_IMAGE = 'python:3.12-slim';
export const HUGGINGFACE_HUB_PIN = 'huggingface_hub==0.34.4';

export const WEIGHTS_INIT_SCRIPT = String.raw`# fetch_weights.py (Berth export): fetches model_cache / weights entries before the server starts.
import json, os, re, sys

def log(msg):
    print("berth-weights: " + msg, file=sys.stderr, flush=True)

def pattern_re(p, dialect):
    # model_cache ("truss"): without * the pattern must equal the path; * matches any run, / included.
    # weights ("glob"): shell globs; * stays in one folder, **/ crosses folders, ? is one character.
    if dialect == "glob":
        out, i = "", 0
        while i < len(p):
            c = p[i]
            if c == "*" and p[i + 1:i + 2] == "*":
                if p[i + 2:i + 3] == "/":
                    out += "(?:.*/)?"
                    i += 3
                else:
                    out += ".*"
                    i += 2
                continue
            out += "[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c)
            i += 1
        return re.compile("^" + out + "$")
    if "*" not in p:
        return None
    return re.compile("^" + ".*".join(re.escape(s) for s in p.split("*")) + "$")

def matches(p, path, dialect):
    r = pattern_re(p, dialect)
    return p == path if r is None else bool(r.match(path))

def keep(path, e):
    if any(matches(p, path, e["dialect"]) for p in e["ignore"]):
        return False
    return not e["allow"] or any(matches(p, path, e["dialect"]) for p in e["allow"])

def token_for(e):
    name = e.get("secret")
    if name:
        f = os.path.join("/secrets", name)
        if os.path.isfile(f):
            t = open(f).read().strip()
            if t:
                return t
    for env in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        if os.environ.get(env, "").strip():
            return os.environ[env].strip()
    return None

def main(spec_path):
    from huggingface_hub import HfApi, hf_hub_download
    from huggingface_hub.hf_api import RepoFile
    spec = json.load(open(spec_path))
    lines = []
    for e in spec["entries"]:
        token = token_for(e)
        api = HfApi(token=token)
        commit = e.get("commit") or api.model_info(e["repo"], revision=e["revision"]).sha
        if e.get("files") is not None:
            files = [(p, s) for p, s in e["files"]]
        else:
            tree = api.list_repo_tree(e["repo"], revision=commit, recursive=True)
            files = [(f.path, f.size) for f in tree if isinstance(f, RepoFile) and keep(f.path, e)]
        if not files:
            log("No files matched in %s@%s: allow_patterns=%s, ignore_patterns=%s" % (e["repo"], e["revision"], e["allow"], e["ignore"]))
            return 1
        log("%s: %d files at %s%s" % (e["label"], len(files), commit, " (anonymous)" if token is None else ""))
        for path, size in files:
            if e["layout"] == "files":
                dest = os.path.join(e["dest"], path)
                if not (os.path.isfile(dest) and os.path.getsize(dest) == size):
                    hf_hub_download(e["repo"], path, revision=commit, local_dir=e["dest"], token=token)
                lines.append("%d\t%s/%s" % (size, e["target"], path))
            else:
                hf_hub_download(e["repo"], path, revision=commit, cache_dir=e["dest"], token=token)
                folder = "models--" + e["repo"].replace("/", "--")
                lines.append("%d\t%s/%s/snapshots/%s/%s" % (size, e["target"], folder, commit, path))
    tmp = spec["manifest"] + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, spec["manifest"])
    log("all %d files present" % len(lines))
    return 0

if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1]))
    except Exception as err:
        log("failed: %s: %s" % (type(err).__name__, err))
        sys.exit(1)
`;
