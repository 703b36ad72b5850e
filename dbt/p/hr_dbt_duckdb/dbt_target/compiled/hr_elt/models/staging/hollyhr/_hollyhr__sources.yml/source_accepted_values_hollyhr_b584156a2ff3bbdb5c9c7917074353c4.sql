
    
    

with all_values as (

    select
        status as value_field,
        count(*) as n_records

    from "w"."hollyhr"."_hr_elt_runs"
    group by status

)

select *
from all_values
where value_field not in (
    'ok','partial','failed'
)


