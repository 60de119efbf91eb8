admin-cmd-help = Команды оператора
