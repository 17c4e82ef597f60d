#!/bin/sh
# Reads a payload from stdin, framed as infra/common/payload.ts encodes it: sections, each a header line
# "@@NAME ARG..." followed by the section's text, until "@@end" (or the end of stdin). No text line starts
# with @@ (the encoder refuses one). Section i's text goes to DIR/i, and line i of DIR/index is
# "DIR/i NAME ARG...", for the script to walk with `while read -r src name ...; do ...; done <DIR/index`.
# Sourced by the scripts that read a payload; provisionerScript() inlines it into them when they are
# sent on stdin, so it travels with each script.
# Usage: read_payload DIR
read_payload() {
    _payload_n=0
    _payload_f=''
    : >"$1/index"
    while IFS= read -r _payload_l || [ -n "$_payload_l" ]; do
        case $_payload_l in
            @@end) return 0 ;;
            @@*)
                _payload_n=$((_payload_n + 1))
                _payload_f=$1/$_payload_n
                : >"$_payload_f"
                printf '%s %s\n' "$_payload_f" "${_payload_l#@@}" >>"$1/index" ;;
            *) [ -z "$_payload_f" ] || printf '%s\n' "$_payload_l" >>"$_payload_f" ;;
        esac
    done
}
