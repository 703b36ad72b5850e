
    
    



select vendor
from "w"."hr_unified"."hr_headcount_daily"
where vendor is null


