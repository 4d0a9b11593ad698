module lwc/fidelity/diff

go 1.22
