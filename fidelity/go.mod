module lwc/fidelity

go 1.22
