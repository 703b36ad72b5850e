
    
    

with all_values as (

    select
        status as value_field,
        count(*) as n_records

    from "w"."hr_unified"."hr_time_off"
    group by status

)

select *
from all_values
where value_field not in (
    'pending','approved','rejected','cancelled'
)


