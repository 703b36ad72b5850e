
    
    



select date
from "w"."hr_unified"."hr_headcount_daily"
where date is null


