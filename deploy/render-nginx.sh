#!/usr/bin/env bash
# Render deploy/nginx.conf.template to stdout from the environment:
#   TLS_CERTIFICATE=/etc/ssl/… TLS_CERTIFICATE_KEY=/etc/ssl/… deploy/render-nginx.sh > /etc/nginx/conf.d/procurement.conf
# Only the template's own names are substituted (nginx's $host, $request_uri… stay). A missing
# certificate path is one line and exit 2: nginx must never come up without TLS. It proxies the
# web app only (NGINX_UPSTREAM, default web:8000), never scrapyd.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for name in TLS_CERTIFICATE TLS_CERTIFICATE_KEY; do
  [ -n "${!name:-}" ] || { echo "render-nginx: set $name (a PEM file path)" >&2; exit 2; }
done
export TLS_CERTIFICATE TLS_CERTIFICATE_KEY
export SERVER_NAME=${SERVER_NAME:-_}
export NGINX_HTTP_PORT=${NGINX_HTTP_PORT:-80}
export NGINX_HTTPS_PORT=${NGINX_HTTPS_PORT:-443}
export NGINX_UPSTREAM=${NGINX_UPSTREAM:-web:8000}   # the web app; nginx on the compose host: 127.0.0.1:8000
envsubst '${TLS_CERTIFICATE} ${TLS_CERTIFICATE_KEY} ${SERVER_NAME} ${NGINX_HTTP_PORT} ${NGINX_HTTPS_PORT} ${NGINX_UPSTREAM}' \
  < "$here/nginx.conf.template"
