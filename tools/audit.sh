#!/usr/bin/env bash
# Dependency audit: every package pinned in requirements.lock checked against the advisories
# that pip-audit's service (PyPI's per-release JSON, which carries the PyPA/OSV advisories) knows.
#
#   tools/audit.sh                 # exit 1 when a locked package has a known vulnerability
#   AUDIT_WARN_ONLY=1 tools/audit.sh   # report, never fail
#
# pip-audit runs from a venv of its own (it never touches the project's environment) and audits
# the lock as written (--no-deps --disable-pip: the lock is complete, nothing is installed).
# When the advisory service cannot be reached, or answers for too few of the packages, the
# script says so plainly and exits 0: an audit that could not run must not pass as "no known
# vulnerabilities", and must not block CI on a machine without that service either.
# To refresh the lock: see docs/security.md ("Dependencies").
set -uo pipefail
cd "$(dirname "$0")/.."

LOCK=requirements.lock
VENV="${AUDIT_VENV:-${TMPDIR:-/tmp}/sheetsbot-audit-venv}"
PIP_AUDIT_SPEC="${PIP_AUDIT_SPEC:-pip-audit>=2.7,<3}"
say() { echo "audit: $*"; }

[ -f "$LOCK" ] || { say "FAILED: $LOCK is missing"; exit 1; }

if [ ! -x "$VENV/bin/pip-audit" ]; then
  if ! { python3 -m venv "$VENV" && "$VENV/bin/python" -m pip install -q "$PIP_AUDIT_SPEC"; } \
       >"${VENV}.install.log" 2>&1; then
    say "NOT RUN: pip-audit could not be installed (no package index?); see ${VENV}.install.log"
    exit 0
  fi
fi

report="$(mktemp)"; errors="$(mktemp)"
trap 'rm -f "$report" "$errors"' EXIT
"$VENV/bin/pip-audit" -r "$LOCK" --no-deps --disable-pip --progress-spinner off \
  --format json --output "$report" 2>"$errors"
status=$?

summary="$("$VENV/bin/python" - "$report" <<'PY'
import json, sys
try:
    data = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    print("NORESULT")
    raise SystemExit
deps = data.get("dependencies", data if isinstance(data, list) else [])
skipped = [d for d in deps if d.get("skip_reason")]
vulns = [(d["name"], d["version"], v) for d in deps for v in d.get("vulns", [])]
checked = len(deps) - len(skipped)
print(f"COUNTS {len(deps)} {checked} {len(skipped)} {len(vulns)}")
for name, version, v in vulns:
    fixes = ", ".join(v.get("fix_versions") or []) or "no fixed release yet"
    aliases = ", ".join(v.get("aliases") or [])
    print(f"VULN {name}=={version} {v.get('id')} ({aliases}) fixed in: {fixes}")
for d in skipped[:3]:
    print(f"SKIP {d['name']}: {d['skip_reason']}")
PY
)"

if [ "$summary" = "NORESULT" ]; then
  say "NOT RUN: pip-audit could not reach its vulnerability service (exit $status):"
  sed 's/^/audit:   /' "$errors" | tail -5
  exit 0
fi
read -r _ total checked skipped found <<<"$(grep '^COUNTS' <<<"$summary")"
# Fewer than 90 % answered: the service is not really there (a mirror without the per-release
# JSON answers "not found" for everything). Say so rather than report a clean bill of health.
if [ "$total" -eq 0 ] || [ $((checked * 10)) -lt $((total * 9)) ]; then
  say "NOT RUN: the vulnerability service answered for only $checked of $total locked packages"
  say "  (pip-audit asks https://pypi.org/pypi/<name>/<version>/json; here it is not reachable)."
  grep '^SKIP' <<<"$summary" | sed 's/^SKIP /audit:   e.g. /'
  say "  Run tools/audit.sh where pypi.org is reachable (CI with internet) for a real result."
  exit 0
fi
if [ "$found" -gt 0 ]; then
  say "$found known vulnerabilit$( [ "$found" -eq 1 ] && echo y || echo ies) in $LOCK ($checked of $total packages checked):"
  grep '^VULN' <<<"$summary" | sed 's/^VULN /audit:   /'
  say "Fix: raise the pin (pip-compile --upgrade-package NAME …), run the tests, commit the lock."
  [ "${AUDIT_WARN_ONLY:-0}" = "1" ] && exit 0
  exit 1
fi
note=""; [ "$skipped" -gt 0 ] && note=" ($skipped could not be checked)"
say "OK: no known vulnerabilities in the $checked packages of $LOCK$note"
exit 0
