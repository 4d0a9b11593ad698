module lwc/fidelity/play

go 1.22
