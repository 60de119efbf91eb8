admin-cmd-help = Operator commands
