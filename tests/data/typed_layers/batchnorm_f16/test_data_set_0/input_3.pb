
BmJQ¿U4¸²