"""Writes a pgbench script: one call of a gate function with N proposal requests, each a new random slot of one of
N distinct keys (ascending, so the keys' locks are taken in order), every request signed ahead as the gate does."""
import sys

n, function = int(sys.argv[1]), sys.argv[2]
step = 256 // n
lines = [f"\\set k0 random(1, {step})"] + [f"\\set k{i} :k0 + {i * step}" for i in range(1, n)]
lines += [f"\\set s{i} random(1, 1000000000000)" for i in range(n)]


def array(item, sql_type):
    return "array[" + ", ".join(item(i) for i in range(n)) + "]::" + sql_type


key = lambda i: f"(:k{i})::bigint"
slot = lambda i: f"(:s{i})::bigint"
digest = lambda i: f"sha256(int8send({slot(i)}))"
arguments = [
    f"'{function}'",                                              # node: which form recorded the row
    "array[1, 2]::bigint[]",                                       # stop locks
    array(lambda i: f"{key(i)} + 100", "bigint[]"),                # key locks
    array(lambda i: "'t'", "text[]"),                              # tenant
    array(lambda i: "'bench'", "text[]"),                          # requested by
    array(lambda i: f"decode(lpad(to_hex((:k{i})::int), 40, '0'), 'hex')", "bytea[]"),
    array(slot, "bigint[]"),
    array(lambda i: "'proposal'", "text[]"),
    array(lambda i: "''::bytea", "bytea[]"),                       # prover
    array(digest, "bytea[]"),                                      # payload hash
    array(lambda i: f"'\\x1901'::bytea || {digest(i)} || sha256(int8send({key(i)}))", "bytea[]"),
    array(lambda i: "null", "text[]"),                             # problem
    array(lambda i: f"{digest(i)} || sha256(int8send({key(i)})) || '\\x1b'::bytea", "bytea[]"),
    array(lambda i: "'keystore'", "text[]"),                       # signed by
    array(lambda i: "null", "text[]"),                             # failure
    "4",                                                           # platform bound on provers
    array(lambda i: "null", "int[]"),                              # tenant bounds
]
print("\n".join(lines))
print(f"select * from {function}(" + ", ".join(arguments) + ");")
