/* The AmberScript example policy, embedded so that `vow init` works
 * wherever the binary is installed. NUL-terminated. */
	.section .rodata
	.global vow_example_policy_start
	.global vow_example_policy_end
	.balign 16
vow_example_policy_start:
	.incbin "examples/policies/amberscript.yaml"
vow_example_policy_end:
	.byte 0
	.section .note.GNU-stack,"",@progbits
