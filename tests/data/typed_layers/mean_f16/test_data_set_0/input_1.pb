
BbJ¶¹P0JÁ