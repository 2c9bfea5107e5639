# The results a partners/threshold round must produce, computed in the clear
# from `snijpunt keys` output: an independent re-statement of protocol.md's
# disclosure rule, used by test_nl_synth_round.sh and
# test_local_federation_modes.sh next to build/tests/cleartext-link.
#
#   awk -v minh=K [-v threshold=1] -f cleartext_expect.awk KEYS KEYS
#
# KEYS (read twice) holds tab-separated lines
#   node  dataset  record_id  key_type  class  value
# Output: "node<TAB>dataset,record_id,entity,partner,key_types,class", one
# line per own record, entity and other node that holds one of its values of
# that entity, where that value is held by at least K nodes; key_types in
# key-type number order joined with '+', class the strongest (A < B < C)
# among them. With threshold=1 the partner is "*" and the line is per record
# and entity (what a threshold round shows).
# The values are personal data: this script prints none of them.
BEGIN {
    FS = "\t"
    split("bsn anummer name_dob phon_dob part_dob ini_addr_dob addr_dob kvk vestiging rsin " \
          "cname_addr cname_pc address kenteken iban name_addr", T, " ")
    for (i = 1; i in T; i++) order[T[i]] = i
    # the entity each key type identifies (common/keytype.c)
    split("person person person person person person person company company company " \
          "company company address vehicle account person", E, " ")
    for (i = 1; i in T; i++) entity[T[i]] = E[i]
}
NR == FNR { # pass 1: which nodes hold each (key type, value)
    k = $4 SUBSEP $6
    if (!((k, $1) in held)) {
        held[k, $1] = 1
        nh[k]++
        holders[k] = holders[k] SUBSEP $1
    }
    next
}
{ # pass 2: each own value held by >= minh nodes links its record to the other holders
    key = $4 SUBSEP $6
    if (nh[key] < minh)
        next
    n = split(substr(holders[key], 2), hs, SUBSEP)
    for (i = 1; i <= n; i++) {
        if (hs[i] == $1)
            continue
        r = $1 SUBSEP $2 SUBSEP $3 SUBSEP entity[$4] SUBSEP (threshold ? "*" : hs[i])
        mask[r, order[$4]] = 1
        if (!(r in cls) || $5 < cls[r])
            cls[r] = $5
    }
}
END {
    for (r in cls) {
        split(r, a, SUBSEP)
        t = ""
        for (i = 1; i in T; i++)
            if ((r, i) in mask)
                t = t (t == "" ? "" : "+") T[i]
        print a[1] "\t" a[2] "," a[3] "," a[4] "," a[5] "," t "," cls[r]
    }
}
