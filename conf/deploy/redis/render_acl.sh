#!/bin/sh
# Render the ACL template: replace every #{{name}} with the sha256 of the password in
# $SECRETS/redis_<name>_password. Usage: render_acl.sh TEMPLATE OUTPUT [SECRETS_DIR] [OWNER]
# OWNER (e.g. redis:redis) gets the rendered file, mode 0600, so that only the server reads it.
# Runs in the redis image (POSIX sh, sed, sha256sum). Fails, writing nothing, when a password is
# missing or empty; never prints a password or a hash.
set -eu
template=$1
output=$2
secrets=${3:-/run/secrets}
owner=${4:-}
tmp="$output.tmp.$$"
trap 'rm -f "$tmp"' EXIT
umask 077
# Redis refuses comments and blank lines in an ACL file: keep only the user lines.
grep '^user ' "$template" > "$tmp"
for name in $(sed -n 's/^user .*#{{\([A-Za-z0-9_-]*\)}}.*/\1/p' "$template"); do
    file="$secrets/redis_${name}_password"
    if [ ! -s "$file" ]; then
        echo "render_acl: missing or empty secret $file (user $name)" >&2
        exit 1
    fi
    hash=$(tr -d '\r\n' < "$file" | sha256sum | cut -d' ' -f1)
    sed -i "s|#{{$name}}|#$hash|" "$tmp"
done
if grep -q '^user .*#{{' "$tmp"; then
    echo "render_acl: unrendered placeholders remain" >&2
    exit 1
fi
if [ -n "$owner" ]; then
    chown "$owner" "$tmp"
fi
mv "$tmp" "$output"
trap - EXIT
echo "render_acl: wrote $(grep -c '^user ' "$output") users to $output" >&2
