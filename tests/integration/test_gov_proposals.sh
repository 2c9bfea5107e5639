#!/usr/bin/env bash
# Issue 5, proposal tests with real daemons on loopback: a round runs only
# from a valid, unexpired proposal signed by a coordinator certificate of the
# federation CA, within each node's local policy. Each refusal must carry
# its reason to the person who asked, and be a proposal_refused entry with
# its code in the refusing node's audit log (read back with `snijpunt audit
# export`):
#   at the initiating node: unsigned (-411), a coordinator of another CA
#   (-111), signed with another key (-104), changed after signing (-104),
#   expired (-412), replayed (-413);
#   at a participant (policy): a disclosure mode it does not accept (-409),
#   which fails the round at the initiator with that node's reason; a
#   coordinator the participants' accept_coordinator does not list (-409 at
#   b and c, one proposal_refused each, the reason in a's round status);
#   at a participant, from a dishonest initiator that forwards what an honest
#   one would refuse (gov_inject.c): unsigned, wrongly signed, changed,
#   expired, replayed.
set -euo pipefail
T=$(mktemp -d "${TMPDIR:-/tmp}/sp-govprop.XXXXXX")
. "$(dirname "$0")/gov_lib.sh"
trap fed_cleanup EXIT
need_tools
SRC=${SP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v cc >/dev/null && pkg-config --exists libzmq libsodium ||
    { echo "cc or libzmq/libsodium development files missing"; exit 77; }
san=
grep -q "SP_SANITIZE:BOOL=ON" "$B/CMakeCache.txt" 2>/dev/null && san="-fsanitize=address,undefined"
cc -O1 $san -I"$SRC" -o "$T/inject" "$SRC/tests/integration/gov_inject.c" \
    "$B/proto/libsp_proto.a" "$B/common/libsp_common.a" \
    $(pkg-config --cflags --libs libzmq libsodium msgpack) || fail "cannot build the injector"

gov_init a b c inj
for n in a b c; do
    gov_set "$n" "accept_coordinator = J. de Vries"
    gov_set "$n" "accept_coordinator = Mallory" # of another CA: the certificate check refuses it
done
gov_set b "accept_modes = partners, threshold"
gov_set a "accept_coordinator = P. Jansen" # b and c do not list him
gov_coordinator "J. de Vries"
gov_coordinator "P. Jansen"
gov_ca "$T/pki/other" "CA"
gov_coordinator Mallory "$T/pki/other"
gov_data a b c
for n in a b c; do fed_start "$n"; gov_load "$n"; done
for n in a b c; do fed_wait_links "$n" a b c; done

# refused NODE CODE WHY: the node's latest proposal_refused has CODE and WHY
refused() {
    local e
    gov_export "$1"
    e=$(gov_entries "$1" proposal_refused | tail -n 1)
    [ -n "$e" ] || fail "$1 recorded no refusal"
    echo "$e" | jq -e --argjson c "$2" '.fields.code == $c' >/dev/null ||
        fail "$1 recorded code $(echo "$e" | jq .fields.code), want $2: $e"
    echo "$e" | jq -r .fields.reason | grep -q "$3" || fail "$1's recorded reason lacks '$3': $e"
}

submit_refused() { # FILE CODE WHY (at a)
    local n0
    gov_export a
    n0=$(gov_entries a proposal_refused | jq -s length)
    if sp a proposal submit "$1" >"$T/sub.out" 2>&1; then fail "a accepted $1"; fi
    grep -q "$3" "$T/sub.out" || fail "a's answer for $1 lacks '$3': $(cat "$T/sub.out")"
    refused a "$2" "$3"
    [ "$(gov_entries a proposal_refused | jq -s length)" = $((n0 + 1)) ] ||
        fail "a recorded not exactly one refusal for $1"
}

# block FILE LABEL -> the bytes of an armoured block
block() { sed -n "/BEGIN $2-----/,/END $2-----/p" "$1" | grep -v -- ----- | base64 -d; }
# splice OUT PROPOSAL_FROM SIGNATURE_FROM CERT_FROM
splice() {
    {
        sed -n '/BEGIN SNIJPUNT PROPOSAL-----/,/END SNIJPUNT PROPOSAL-----/p' "$2"
        sed -n '/BEGIN SNIJPUNT PROPOSAL SIGNATURE-----/,/END SNIJPUNT PROPOSAL SIGNATURE-----/p' "$3"
        sed -n '/BEGIN CERTIFICATE-----/,/END CERTIFICATE-----/p' "$4"
    } >"$1"
}

P="--participant a --participant b --participant c --counter b"

# --- at the initiating node ----------------------------------------------------------
if sp a round start --participants a,b --keys bsn --case X-1 --purpose test --mode partners \
    --min-holders 2 --counter b --deadline 30 >"$T/sub.out" 2>&1; then
    fail "a started an unsigned round"
fi
grep -q "not signed" "$T/sub.out" || fail "unsigned: $(cat "$T/sub.out")"
refused a -411 "not signed"

gov_proposal "$T/mallory.prop" Mallory $P
submit_refused "$T/mallory.prop" -111 "certificate is not accepted"

gov_proposal "$T/ok.prop" "J. de Vries" $P --mode partners
gov_proposal "$T/k3.prop" "J. de Vries" $P --mode partners --min-holders 3
gov_proposal "$T/jansen.prop" "P. Jansen" $P --mode partners
# what the coordinator and operators see offline
"$SP" proposal show "$T/ok.prop" --ca "$CA/ca.crt" >"$T/show.out" 2>&1 || fail "proposal show: $(cat "$T/show.out")"
grep -q "signature:      valid, by J. de Vries" "$T/show.out" || fail "proposal show: $(cat "$T/show.out")"
grep -q "^case:           TEST-2024/1" "$T/show.out" || fail "proposal show: $(cat "$T/show.out")"
splice "$T/otherkey.prop" "$T/ok.prop" "$T/jansen.prop" "$T/ok.prop"
if "$SP" proposal show "$T/otherkey.prop" --ca "$CA/ca.crt" >"$T/show.out" 2>&1; then
    fail "proposal show accepted a wrong signature"
fi
grep -q "signature is not valid" "$T/show.out" || fail "proposal show: $(cat "$T/show.out")"
submit_refused "$T/otherkey.prop" -104 "does not verify"
splice "$T/changed.prop" "$T/k3.prop" "$T/ok.prop" "$T/ok.prop"
submit_refused "$T/changed.prop" -104 "changed after it was signed"

gov_proposal "$T/old.prop" "J. de Vries" $P --expires 1s
sleep 2
submit_refused "$T/old.prop" -412 "expired"

id=$(round_submit a "$T/ok.prop")
for n in a b c; do
    s=$(round_wait "$n" "$id" 60)
    [ "$s" = done ] || fail "the valid round at $n: $s: $(sp "$n" round status "$id" 2>&1)"
done
submit_refused "$T/ok.prop" -413 "already seen"

# --- at a participant: local policy -----------------------------------------------------
gov_proposal "$T/counts.prop" "J. de Vries" $P --mode counts
idc=$(round_submit a "$T/counts.prop")
s=$(round_wait a "$idc" 60)
[ "$s" = failed ] || fail "a round b refuses ended '$s' at a"
sp a round status "$idc" >"$T/st.out" 2>&1 || true
grep -q "refused by b: node b does not accept disclosure mode counts" "$T/st.out" ||
    fail "a does not say who refused and why: $(cat "$T/st.out")"
refused b -409 "does not accept disclosure mode counts"
gov_export a
gov_has a round_failed '.fields.round == $id and .fields.peer == "b"' --arg id "$idc" ||
    fail "a's log has no round_failed naming b"
# Every node's log says which round it was, also a node that failed it
# before deciding (c, when a's ABORT came before its own set sizes were
# counted): then its round_failed carries the case, the purpose, the
# coordinator and the participants, and `audit show` lists the round.
for n in a b c; do
    for _ in $(seq 50); do
        gov_export "$n"
        [ -n "$(gov_entries "$n" round_failed | jq -c --arg id "$idc" 'select(.fields.round == $id)')$(
            gov_entries "$n" proposal_refused | jq -c --arg id "$idc" 'select(.fields.round == $id)')" ] && break
        sleep 0.1
    done
    if ! gov_has "$n" proposal_accepted '.fields.round == $id' --arg id "$idc" &&
        ! gov_has "$n" proposal_refused '.fields.round == $id' --arg id "$idc"; then
        gov_has "$n" round_failed '.fields.round == $id and .fields.coordinator == "J. de Vries"
            and .fields.case_ref != null and .fields.purpose != null
            and (.fields.participant | length) == 3' --arg id "$idc" ||
            fail "$n failed the round before deciding but its log does not say which case it was"
        "$SP" audit show "$T/$n.jsonl" --round "$idc" |
            grep -q "It failed before this node decided on the proposal. Case: " ||
            fail "audit show --round at $n does not tell the case of a round it never decided on"
        echo "  $n failed the round before deciding; its log names the case"
    fi
    "$SP" audit show "$T/$n.jsonl" | grep -q "^$idc " || fail "audit show at $n does not list round $idc"
done

# --- at participants: a coordinator their policy does not list -----------------------
# a accepts P. Jansen, b and c do not: both refuse the PROPOSE (-409) and
# record it; a fails the round with the first refusal's reason.
idj=$(round_submit a "$T/jansen.prop")
s=$(round_wait a "$idj" 60)
[ "$s" = failed ] || fail "a round of a coordinator b and c do not accept ended '$s' at a"
st=$(round_json a "$idj")
echo "$st" | jq -r .reason |
    grep -Eq '^refused by (b|c): coordinator "P\. Jansen" is not one node (b|c) accepts$' ||
    fail "a's round status does not say who refused the coordinator and why: $st"
[ "$(echo "$st" | jq -r .reason | sed -E 's/^refused by (.): .* node (.) accepts$/\1\2/')" \
    = "$(echo "$st" | jq -r .reason | sed -E 's/^refused by (.): .*/\1\1/')" ] ||
    fail "the refusal names one node and quotes another's policy: $st"
for n in b c; do
    for _ in $(seq 50); do
        gov_export "$n"
        gov_has "$n" proposal_refused '.fields.round == $id' --arg id "$idj" && break
        sleep 0.1
    done
    e=$(gov_entries "$n" proposal_refused | jq -c --arg id "$idj" 'select(.fields.round == $id)')
    [ "$(echo "$e" | jq -s length)" = 1 ] || fail "$n recorded $(echo "$e" | jq -s length) refusals of $idj"
    echo "$e" | jq -e '.fields.code == -409' >/dev/null || fail "$n's refusal code: $e"
    echo "$e" | jq -r .fields.reason | grep -Fxq "coordinator \"P. Jansen\" is not one node $n accepts" ||
        fail "$n's recorded reason: $e"
done
[ "$(sp b results --round "$idj" 2>/dev/null)" = "" ] || fail "b shows results of a refused round"

# --- at a participant, from a dishonest initiator ------------------------------------------
# inj is a member with a valid certificate; it sends c proposals an honest
# initiating node would have refused.
inject() { # PROPOSAL.bin SIG|- CERT|-
    "$T/inject" "tcp://127.0.0.1:${PORTS[c]}" "${PUBS[c]}" "$T/inj/identity.key" "$1" "$2" "$3" ||
        fail "injector failed"
}
wait_refusals() { # NODE N: until the node recorded N refusals
    for _ in $(seq 50); do
        gov_export "$1"
        [ "$(gov_entries "$1" proposal_refused | jq -s length)" -ge "$2" ] && return 0
        sleep 0.1
    done
    fail "$1 recorded fewer than $2 refusals"
}
IP="--participant inj --participant c"
# each with a round id of its own: c records every decoded proposal it
# refuses, so that a replay of it is caught too
for x in u w m1; do gov_proposal "$T/i-$x.prop" "J. de Vries" $IP; done
gov_proposal "$T/i-m2.prop" "J. de Vries" $IP --min-holders 1
for x in u w m1 m2; do block "$T/i-$x.prop" "SNIJPUNT PROPOSAL" >"$T/i-$x.bin"; done
block "$T/i-m1.prop" "SNIJPUNT PROPOSAL SIGNATURE" >"$T/i-m1.sig"
sed -n '/BEGIN CERTIFICATE-----/,/END CERTIFICATE-----/p' "$T/i-u.prop" >"$T/coord.pem"
block "$T/jansen.prop" "SNIJPUNT PROPOSAL SIGNATURE" >"$T/jansen.sig"
gov_export c
base=$(gov_entries c proposal_refused | jq -s length)
inject "$T/i-u.bin" - -
wait_refusals c $((base + 1))
refused c -411 "not signed"
inject "$T/i-w.bin" "$T/jansen.sig" "$T/coord.pem"
wait_refusals c $((base + 2))
refused c -104 "does not verify"
inject "$T/i-m2.bin" "$T/i-m1.sig" "$T/coord.pem"
wait_refusals c $((base + 3))
refused c -104 "changed after it was signed"
gov_proposal "$T/i-old.prop" "J. de Vries" $IP --expires 1s
block "$T/i-old.prop" "SNIJPUNT PROPOSAL" >"$T/i-old.bin"
block "$T/i-old.prop" "SNIJPUNT PROPOSAL SIGNATURE" >"$T/i-old.sig"
sleep 2
inject "$T/i-old.bin" "$T/i-old.sig" "$T/coord.pem"
wait_refusals c $((base + 4))
refused c -412 "expired"
# a replay of the round c already took part in
block "$T/ok.prop" "SNIJPUNT PROPOSAL" >"$T/ok.bin"
block "$T/ok.prop" "SNIJPUNT PROPOSAL SIGNATURE" >"$T/ok.sig"
inject "$T/ok.bin" "$T/ok.sig" "$T/coord.pem"
wait_refusals c $((base + 5))
refused c -413 "already seen"
gov_entries c proposal_refused | tail -n 5 | jq -s -e 'any(.[]; .fields.peer != "inj")' >/dev/null &&
    fail "c's refusals do not name the sender inj"

for n in a b c; do
    gov_export "$n"
    "$SP" audit verify "$T/$n.jsonl" --cert "$CERTS/$n.crt" --ca "$CA/ca.crt" >"$T/v.out" 2>&1 ||
        fail "$n's log does not verify: $(cat "$T/v.out")"
done
for n in a b c; do fed_stop "$n"; done
echo "ok: proposals refused with their reasons, at the initiator and at participants"
