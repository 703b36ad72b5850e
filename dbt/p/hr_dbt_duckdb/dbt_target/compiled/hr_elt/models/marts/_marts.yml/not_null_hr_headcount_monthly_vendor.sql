
    
    



select vendor
from "w"."hr_unified"."hr_headcount_monthly"
where vendor is null


