# L2, last: ours (now with transport=kvm named, as a modprobe.d line would) and C ptp_kvm
# load once more and unload cleanly, leaving no PHC behind;
# then the whole guest's kernel log since boot has no report (the runner scans every
# script's part and L1's log too; this checks the rest: boot and between scripts).
# timeout: 60
. "$T/lib.sh"
ktap_header
ktap_plan 5
ours_loaded && rmmod $MOD
check "ours loads again with transport=kvm" load_ours transport=kvm
tr=$(cat "$STATUS/transport" 2>/dev/null)
result "$([ "$tr" = kvm ] && echo 0)" "status/transport is kvm (got '${tr:-no file}')"
check "C ptp_kvm loaded" load_kvm
rmmod $MOD 2>&1 | indent
rmmod ptp_kvm 2>&1 | indent
left=$(ls /sys/class/ptp 2>/dev/null | tr '\n' ' ')
result "$( ! ours_loaded && ! kvm_loaded && [ -z "$left" ] && echo 0)" \
	"both unload, no PHC left (/sys/class/ptp: '${left}')"
rep=$(dmesg | grep -E 'BUG:|WARNING:|Oops|Call trace:|Internal error|Kernel panic|UBSAN|KASAN|lockdep|blocked for more than' | head -n 8)
printf '%s\n' "$rep" | grep . | indent
result "$([ -z "$rep" ] && echo 0)" "the guest's whole kernel log has no BUG/WARNING/Oops/call trace"
finish
