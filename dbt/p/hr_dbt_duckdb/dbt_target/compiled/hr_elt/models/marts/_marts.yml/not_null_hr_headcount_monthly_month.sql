
    
    



select month
from "w"."hr_unified"."hr_headcount_monthly"
where month is null


