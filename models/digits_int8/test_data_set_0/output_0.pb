
BoutputJ(ÈÞÁUlÀIdDAQ*ÀW¸¤Á ¨Á*=Á}œÁÜTÀ«Á