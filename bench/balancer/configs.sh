# Config writers for bench/balancer.sh (sourced). Each takes the output file, the worker count
# and one or more LISTEN_PORT:BACKEND_PORT pairs, all on 127.0.0.1. The three proxies get the
# same setup: plain TCP, one backend per listener, a TCP connect check every 2 s (nginx open
# source has no active checks), connect timeout 3 s, idle timeout 1 h, no connection logging.

# kubegate: frontends only (a node-local balancer: no nodes, no VIPs). A short drain so that
# it stops at once on SIGTERM, as haproxy and nginx do.
kubegate_config() {
  local file=$1 pair
  shift 2
  {
    echo "frontends:"
    for pair in "$@"; do
      cat <<YAML
  - name: bench-${pair%%:*}
    bind: 127.0.0.1:${pair%%:*}
    backends: [127.0.0.1:${pair##*:}]
    check: { tcp: true, interval: 2s }
    timeouts: { connect: 3s, idle: 1h, drain: 1s }
YAML
    done
  } >"$file"
}

# haproxy 2.6: mode tcp, nbthread N, no log lines. maxconn 9500 covers the 9,000 idle
# connections of the memory case (haproxy sizes its descriptor limit from it).
haproxy_config() {
  local file=$1 workers=$2 pair
  shift 2
  {
    cat <<CFG
global
    nbthread $workers
    maxconn 9500

defaults
    mode tcp
    timeout connect 3s
    timeout client 1h
    timeout server 1h
CFG
    for pair in "$@"; do
      cat <<CFG

listen bench-${pair%%:*}
    bind 127.0.0.1:${pair%%:*}
    server s1 127.0.0.1:${pair##*:} check inter 2s
CFG
    done
  } >"$file"
}

# nginx 1.22 stream {}: worker_processes N, no access log. worker_connections counts both
# sides of a proxied connection (9,000 idle ones need 18,000), and each worker may need that
# many descriptors.
nginx_stream_config() {
  local file=$1 workers=$2 dir pair
  dir=$(dirname "$file")
  shift 2
  {
    cat <<CFG
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes $workers;
worker_rlimit_nofile 20000;
daemon off;
pid $dir/nginx-stream.pid;
error_log $dir/nginx-stream.err error;
events { worker_connections 18100; }
stream {
    access_log off;
CFG
    for pair in "$@"; do
      cat <<CFG
    server {
        listen 127.0.0.1:${pair%%:*} backlog=4096;
        proxy_pass 127.0.0.1:${pair##*:};
        proxy_connect_timeout 3s;
        proxy_timeout 1h;
    }
CFG
    done
    echo "}"
  } >"$file"
}

# The HTTP backend of the request cases: nginx with one worker answering 200 to everything,
# no access log, keep-alive connections never closed by the server (so the keep-alive case
# measures the proxies, not reconnects).
nginx_backend_config() {
  local file=$1 port=$2 dir
  dir=$(dirname "$file")
  cat >"$file" <<CFG
worker_processes 1;
worker_rlimit_nofile 20000;
daemon off;
pid $dir/nginx-backend.pid;
error_log $dir/nginx-backend.err error;
events { worker_connections 8192; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 1h;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    server {
        listen 127.0.0.1:$port backlog=4096;
        location / { return 200 "ok\n"; }
    }
}
CFG
}
