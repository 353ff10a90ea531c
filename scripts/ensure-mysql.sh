#!/usr/bin/env bash
# Makes sure a MySQL/MariaDB server answers, and prints its URL on the last line of stdout.
#   MYSQL_URL (default mysql://root@127.0.0.1:3306): if a server answers there, print it and stop.
#   Otherwise start the installed MariaDB (installing mariadb-server with apt when root and it is
#   absent), give root a TCP login with an empty password, wait until it answers.
# Progress goes to stderr.
set -euo pipefail

url="${MYSQL_URL:-mysql://root@127.0.0.1:3306}"
rest="${url#*://}"
creds="${rest%%@*}"; [ "$creds" = "$rest" ] && creds="root"
hostport="${rest#*@}"; hostport="${hostport%%/*}"
user="${creds%%:*}"
host="${hostport%%:*}"; port="${hostport##*:}"; [ "$port" = "$hostport" ] && port=3306
say() { echo "ensure-mysql: $*" >&2; }

client() { command -v mariadb || command -v mysql || true; }
answers() {
  local c; c=$(client)
  if [ -n "$c" ]; then
    "$c" --protocol=TCP -h "$host" -P "$port" -u "$user" --connect-timeout=2 -e 'SELECT 1' >/dev/null 2>&1
  else
    # No client: at least the port must accept a connection.
    (exec 3<>"/dev/tcp/$host/$port") >/dev/null 2>&1
  fi
}

if answers; then echo "$url"; exit 0; fi

case "$host" in
  127.0.0.1|localhost|::1) ;;
  *) say "no server answers at $host:$port, and it is not local: start it, or set MYSQL_URL"; exit 3 ;;
esac

server=$(command -v mariadbd || ls /usr/sbin/mariadbd 2>/dev/null || command -v mysqld || ls /usr/sbin/mysqld 2>/dev/null || true)
if [ -z "$server" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing mariadb-server with apt"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq mariadb-server mariadb-client >&2
    server=$(command -v mariadbd || echo /usr/sbin/mariadbd)
  else
    say "no MySQL/MariaDB server installed; install mariadb-server (as root: apt-get install mariadb-server) or set MYSQL_URL"
    exit 3
  fi
fi

if id mysql >/dev/null 2>&1; then
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
fi
say "starting $server"
if command -v start-stop-daemon >/dev/null; then
  # By the server's own pid file: another mariadbd running here (a test's private server on its
  # own port) must not pass for this one.
  start-stop-daemon --start --oknodo --background --pidfile /run/mysqld/mysqld.pid --exec "$server"
else
  nohup "$server" >/dev/null 2>&1 &
fi

socket_ok() { local c; c=$(client); [ -n "$c" ] && "$c" -u root -e 'SELECT 1' >/dev/null 2>&1; }
for _ in $(seq 1 60); do
  if answers || socket_ok; then break; fi
  sleep 1
done

if ! answers && socket_ok && [ "$user" = root ]; then
  # A fresh Debian MariaDB lets root in only through the socket (unix_socket auth).
  say "giving root a TCP login"
  "$(client)" -u root -e "
    ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket;
    CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
    GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
    FLUSH PRIVILEGES;" >&2 || true
fi

for _ in $(seq 1 30); do
  if answers; then echo "$url"; exit 0; fi
  sleep 1
done
say "the server did not answer at $host:$port"
exit 3
